export { helper, other } from './lib.js';
