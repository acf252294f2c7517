/**
 * `@cellular/testkit`: the transport conformance suite every Cellular transport runs unchanged, plus
 * the small helpers transport authors need (polling with deadlines, unique subjects, broker gating).
 * @packageDocumentation
 */
export { describeTransportConformance } from './describe-transport-conformance.js';
export { runConformanceCheck } from './run-conformance-check.js';
export type { ConformanceOutcome, TransportFactory } from './run-conformance-check.js';
export { conformanceChecks } from './conformance-checks.js';
export type { ConformanceCheck } from './conformance-checks.js';
export { ConformanceSkip, createConformanceContext, expectCellularError } from './conformance-context.js';
export type { Collector, ConformanceContext, ConformanceOptions } from './conformance-context.js';
export { sleep, waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { uniqueName, uniqueSubject } from './unique-subject.js';
export { brokerAvailable, requireBroker } from './broker.js';
export type { BrokerCheck, RequireBrokerOptions } from './broker.js';
