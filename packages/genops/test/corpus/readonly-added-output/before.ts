export interface Res { a: string }
export function get(): Res { return { a: "" }; }
