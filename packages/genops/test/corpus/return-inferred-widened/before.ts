export function f(x: number) { return x > 0 ? 1 : 2; }
