export { helper as h } from './lib.js';
