export type Level = 'a' | 'b';
export function set(l: Level): void {}
export function get(): Level { return 'a'; }
