import { cellularProject } from '@cellular/vitest-config';
import { defineProject } from 'vitest/config';

export default defineProject(cellularProject(import.meta.url));
