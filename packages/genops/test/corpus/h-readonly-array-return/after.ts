export function f(): readonly string[] { return []; }
