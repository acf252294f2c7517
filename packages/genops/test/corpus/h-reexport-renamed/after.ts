export { helper as h2 } from './lib.js';
