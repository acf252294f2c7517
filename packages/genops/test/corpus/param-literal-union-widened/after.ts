export function f(m: 'a' | 'b' | 'c'): void {}
