export function f(a: string, b = 3): void {}
