export interface Base { a: string }
export interface Opts extends Base { x?: number }
export function run(o: Opts): void {}
