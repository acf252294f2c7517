export interface Res { a: string | number }
export function run(): Res { return { a: "" }; }
