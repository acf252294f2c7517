/**
 * `@cellular/topology` (work in progress).
 * @packageDocumentation
 */
export {};
