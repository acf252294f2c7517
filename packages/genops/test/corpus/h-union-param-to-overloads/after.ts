export function f(a: string): string;
export function f(a: number): string;
export function f(a: string | number): string { return String(a); }
