export interface Box<T = number> { value: T }
