export interface Cfg { a: string }
export function set(c: Cfg): void {}
export function get(): Cfg { return { a: "" }; }
