export function f(x: number) { return x > 0 ? 1 : x > -1 ? 2 : 3; }
