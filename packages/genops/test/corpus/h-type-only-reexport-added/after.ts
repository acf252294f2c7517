export { helper } from './lib.js';
export type { Shape } from './lib.js';
