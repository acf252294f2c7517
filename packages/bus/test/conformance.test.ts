import { describeTransportConformance } from '@cellular/testkit';
import { createMemoryTransport } from '@cellular/bus';

// The in-memory transport passes the whole conformance suite unchanged.
describeTransportConformance('memory', () => createMemoryTransport(), { settleMs: 50, ackWaitMs: 200 });
