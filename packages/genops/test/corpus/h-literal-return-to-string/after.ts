export function f(): string { return "a"; }
