function helper(): string { return "1"; }
export const X = 1;
