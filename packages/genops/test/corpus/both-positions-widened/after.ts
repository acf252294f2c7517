export type Level = 'a' | 'b' | 'c';
export function set(l: Level): void {}
export function get(): Level { return 'a'; }
