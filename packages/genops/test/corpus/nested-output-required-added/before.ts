export function get(): { a: string; inner: { x: number } } { return { a: "", inner: { x: 1 } }; }
