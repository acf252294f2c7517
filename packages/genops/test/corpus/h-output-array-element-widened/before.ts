export function f(): string[] { return []; }
