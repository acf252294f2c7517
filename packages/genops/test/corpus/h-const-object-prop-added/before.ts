export const CONFIG = { a: 1 };
