export function f(o: { a: string; b?: number }): void {}
