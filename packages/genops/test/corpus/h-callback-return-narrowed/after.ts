export function on(cb: () => string): void {}
