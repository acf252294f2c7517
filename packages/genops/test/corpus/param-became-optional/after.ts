export function f(a: string, b?: number): void {}
