export function f(a: number): number { return 1 + a; }
