export function f(a: string): number { return a.length; }
