export function get(): { a: string; inner: { x: number; y: number } } { return { a: "", inner: { x: 1, y: 2 } }; }
