class Impl { x = 1 }
export type { Impl };
