export type Mode = 'fast';
export function run(m: Mode): void {}
