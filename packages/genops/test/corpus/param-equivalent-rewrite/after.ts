export function f(a: number | string | never): void {}
