export function f(m: 'a' | 'b'): void {}
