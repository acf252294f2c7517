export interface A { x: string }
export type B = string;
