export function helper(): void {}
export function other(): void {}
