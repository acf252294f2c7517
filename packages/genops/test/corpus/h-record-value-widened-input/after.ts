export function f(m: Record<string, string | number>): void {}
