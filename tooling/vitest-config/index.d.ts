import type { UserWorkspaceConfig } from 'vitest/config';

/** The export condition that points workspace packages at their TypeScript source. */
export declare const SOURCE_CONDITION: '@cellular/source';

/** A vitest project config for the package whose vitest.config.ts calls it. */
export declare function cellularProject(configUrl: string, overrides?: { test?: Record<string, unknown> }): UserWorkspaceConfig;
