/**
 * `@cellular/core`: the contracts every Cellular package shares. Depends on zod only.
 * @packageDocumentation
 */
export { CellularError, ERROR_CODES, isCellularErrorCode, toCellularError } from './errors.js';
export type { CellularErrorCode, CellularErrorOptions, ErrorData, SerializedCellularError } from './errors.js';

export { assertPattern, assertSubject, isValidSubject, isWildcardPattern, subjectMatches } from './subject.js';

export { formatPath, parseOrThrow, toValidationIssues } from './validation.js';
export type { ValidationIssue } from './validation.js';

export { defineContract, isContract } from './contract.js';
export type {
  AnyContract,
  Contract,
  ContractDefinition,
  ContractKind,
  EventContract,
  PayloadInput,
  PayloadOf,
  RequestContract,
  ResponseInput,
  ResponseOf,
  ValidationMode,
} from './contract.js';

export { newMessageId, messageIdTime } from './message-id.js';
export { createEnvelope, EnvelopeSchema, HEADERS } from './envelope.js';
export type { Envelope, EnvelopeInit } from './envelope.js';

export { decodeEnvelope, encodeEnvelope, jsonCodec } from './codec.js';
export type { Codec } from './codec.js';

export type {
  ConsumerConfig,
  DurableHandler,
  DurableMessage,
  MessageHandler,
  PublishAck,
  StreamConfig,
  Transport,
  TransportCapabilities,
  TransportRequestOptions,
  TransportStatus,
  TransportSubscribeOptions,
  TransportSubscription,
} from './transport.js';

export type {
  BusSubscribeOptions,
  BusSubscription,
  CellBus,
  ConsumeOptions,
  DurableContext,
  DurableMessageHandler,
  EventHandler,
  MessageContext,
  PublishOptions,
  RequestHandler,
  RequestOptions,
} from './cell-bus.js';

export { defineCell, defineComposition, orderCells } from './cell.js';
export type { Cell, CellContext, CellDefinition, CellFacts, Composition, RouteDeclaration } from './cell.js';

export { silentLogger, systemClock } from './logger.js';
export type { Clock, Logger } from './logger.js';
