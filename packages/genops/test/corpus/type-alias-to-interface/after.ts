export interface P { a: string }
export function f(p: P): void {}
