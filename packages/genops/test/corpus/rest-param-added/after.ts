export function f(a: string, ...more: string[]): void {}
