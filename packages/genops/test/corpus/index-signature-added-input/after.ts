export interface Bag { a: string; [k: string]: string }
export function put(b: Bag): void {}
