export function on(cb: () => string | undefined): void {}
