export interface Box<T extends string> { v: T }
