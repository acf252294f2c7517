export function on(cb: (e: string | number) => void): void {}
