export function f<T, U = string>(x: T, _u?: U): T { return x; }
