export const CONFIG = { a: 1, b: 2 };
