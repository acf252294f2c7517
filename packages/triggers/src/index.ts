/**
 * `@cellular/triggers` (work in progress).
 * @packageDocumentation
 */
export {};
