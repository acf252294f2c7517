export function on(cb: (e: string) => void): void {}
