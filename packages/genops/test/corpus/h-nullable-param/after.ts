export function f(a: string | null): void {}
