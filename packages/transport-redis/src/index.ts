/**
 * `@cellular/transport-redis` (work in progress).
 * @packageDocumentation
 */
export {};
