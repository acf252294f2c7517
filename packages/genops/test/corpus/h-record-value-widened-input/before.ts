export function f(m: Record<string, string>): void {}
