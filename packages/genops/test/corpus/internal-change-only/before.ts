function helper(): number { return 1; }
export const X = 1;
