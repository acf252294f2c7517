/**
 * `@cellular/sandbox` (work in progress).
 * @packageDocumentation
 */
export {};
