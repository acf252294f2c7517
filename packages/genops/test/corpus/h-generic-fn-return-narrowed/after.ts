export function first<T>(xs: readonly T[]): T | undefined { return xs[0]; }
