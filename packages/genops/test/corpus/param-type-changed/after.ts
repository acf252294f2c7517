export function f(a: boolean): void {}
