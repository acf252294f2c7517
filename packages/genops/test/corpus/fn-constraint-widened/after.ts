export function f<T extends string | number>(x: T): T { return x; }
