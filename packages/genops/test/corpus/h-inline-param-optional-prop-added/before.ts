export function f(o: { a: string }): void {}
