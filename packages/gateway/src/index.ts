/**
 * `@cellular/gateway` (work in progress).
 * @packageDocumentation
 */
export {};
