/**
 * `@cellular/bus` (work in progress).
 * @packageDocumentation
 */
export {};
