export interface Event { id: string; at: number }
export function on(cb: (e: Event) => void): void {}
