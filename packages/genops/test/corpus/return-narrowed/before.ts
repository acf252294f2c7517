export function f(): string | undefined { return ""; }
