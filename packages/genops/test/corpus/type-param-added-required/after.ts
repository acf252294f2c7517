export interface Box<T, U> { value: T; other: U }
