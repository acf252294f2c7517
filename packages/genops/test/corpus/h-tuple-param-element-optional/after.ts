export function f(x: [string, number?]): void {}
