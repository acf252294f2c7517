export const f = (a: string, b?: number): void => {};
