export const f = (a: string): number => a.length;
