export function f(a: string | number): void {}
