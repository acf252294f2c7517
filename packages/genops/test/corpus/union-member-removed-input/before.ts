export type Mode = 'fast' | 'safe';
export function run(m: Mode): void {}
