export { helper } from './lib.js';
