/**
 * `@cellular/eslint-plugin` (work in progress).
 * @packageDocumentation
 */
export {};
