export interface Bag { a: string }
export function put(b: Bag): void {}
