export interface Box<T extends string | number> { v: T }
