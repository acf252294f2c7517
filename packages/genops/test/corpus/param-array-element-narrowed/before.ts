export function f(xs: (string | number)[]): void {}
