export function run(o: { a: string; inner: { x: number; y: number } }): void {}
