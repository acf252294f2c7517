export function f(xs: string[]): void {}
