export function f(a: string): void {}
