/**
 * `@cellular/transport-nats` (work in progress).
 * @packageDocumentation
 */
export {};
