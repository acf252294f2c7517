export interface Bag { [k: string]: number }
export function put(b: Bag): void {}
