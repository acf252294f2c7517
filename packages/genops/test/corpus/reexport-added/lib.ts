export function helper(): void {}
export function other(): void {}
export interface Shape { readonly sides: number }
