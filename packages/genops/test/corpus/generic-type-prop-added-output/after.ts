export interface Box<T> { value: T; size: number }
export function get<T>(v: T): Box<T> { return { value: v, size: 1 }; }
