export interface Res { readonly a: string }
export function get(): Res { return { a: "" }; }
