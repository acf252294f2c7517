export interface Opts { a: string; b?: number }
export function run(o: Opts): void {}
