export interface Res { a: string }
export function run(): Res { return { a: "" }; }
