import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
mkdirSync('dist', { recursive: true });
writeFileSync('dist/index.js', 'export const x = 1;\n');
writeFileSync('dist/stamp.js', 'export const s = ' + Math.random() + ';\n');
