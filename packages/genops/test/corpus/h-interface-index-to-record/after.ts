export type Bag = Record<string, number>;
export function put(b: Bag): void {}
