export function f(xs: readonly string[]): void {}
