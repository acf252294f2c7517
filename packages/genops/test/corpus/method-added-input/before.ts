export interface Store { get(k: string): string }
export function use(s: Store): void {}
