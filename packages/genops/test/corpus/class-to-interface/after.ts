export interface C { a: number }
