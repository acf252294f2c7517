export interface Event { id: string }
export function on(cb: (e: Event) => void): void {}
