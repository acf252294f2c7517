export interface Box<T> { value: T }
export function get<T>(v: T): Box<T> { return { value: v }; }
