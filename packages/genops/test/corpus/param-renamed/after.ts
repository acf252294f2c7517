export function f(name: string): void {}
