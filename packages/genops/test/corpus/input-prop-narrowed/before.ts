export interface Opts { a: string | number }
export function run(o: Opts): void {}
