/**
 * `@cellular/transport-nats`: the Cellular transport on NATS (core messaging) and JetStream (durable
 * streams).
 * @packageDocumentation
 */
export { createNatsTransport } from './nats-transport.js';
export type { NatsTransport, NatsTransportOptions } from './nats-transport.js';
