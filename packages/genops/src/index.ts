/**
 * `@cellular/genops` (work in progress).
 * @packageDocumentation
 */
export {};
