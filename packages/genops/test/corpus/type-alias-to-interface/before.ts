export type P = { a: string };
export function f(p: P): void {}
