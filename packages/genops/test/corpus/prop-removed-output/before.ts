export interface Res { a: string; b: number }
export function run(): Res { return { a: "", b: 1 }; }
