/**
 * `@cellular/testkit` (work in progress).
 * @packageDocumentation
 */
export {};
