export const enum Color { Red, Green }
