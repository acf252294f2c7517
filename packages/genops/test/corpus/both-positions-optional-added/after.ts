export interface Cfg { a: string; b?: number }
export function set(c: Cfg): void {}
export function get(): Cfg { return { a: "" }; }
