export function f(a: string | number): string { return String(a); }
