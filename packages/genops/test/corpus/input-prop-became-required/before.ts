export interface Opts { a?: string }
export function run(o: Opts): void {}
