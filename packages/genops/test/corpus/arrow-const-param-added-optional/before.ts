export const f = (a: string): void => {};
