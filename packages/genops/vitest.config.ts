import { cellularProject } from '@cellular/vitest-config';
import { defineProject } from 'vitest/config';

// isolate: false runs the test files of a worker in one module graph, so TypeScript, zod and the
// tokenizer are loaded once per worker and the parsed lib and dependency files (see
// src/internal/virtual-program.ts) are shared by every test file instead of parsed again by each.
// Every test file works in its own temporary directory and none mocks modules, so nothing leaks.
export default defineProject(cellularProject(import.meta.url, { test: { isolate: false } }));
