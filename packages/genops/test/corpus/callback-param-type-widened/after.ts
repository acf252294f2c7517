export interface Event { id: string | number }
export function on(cb: (e: Event) => void): void {}
