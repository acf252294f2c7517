export type Mode = 'fast' | 'safe' | 'auto';
export function run(m: Mode): void {}
