export interface Store { get(k: string): string; del(k: string): void }
export function use(s: Store): void {}
