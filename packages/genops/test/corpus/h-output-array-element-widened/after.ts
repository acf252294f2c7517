export function f(): (string | number)[] { return []; }
