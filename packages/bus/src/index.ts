/**
 * `@cellular/bus`: the typed bus cells talk through, the in-memory transport, and the cell host.
 * @packageDocumentation
 */
export { createBus } from './bus.js';
export type { Bus, BusErrorInfo, BusOptions, BusStats } from './bus.js';
export { createMemoryTransport, MemoryTransport } from './memory-transport.js';
export type { MemoryTransportOptions } from './memory-transport.js';
export { createTelemetry } from './telemetry.js';
export type { BusTelemetry, TelemetryOptions } from './telemetry.js';
export { createCellHost } from './cell-host.js';
export type { CellHealth, CellHost, CellHostOptions, CellStatus, HostHealth, SignalSource } from './cell-host.js';
export { CellBusView } from './cell-view.js';
export { createFileJournal } from './file-journal.js';
export type { FileJournal, FileJournalOptions, FileJournalStats } from './file-journal.js';
export { isStreamJournal } from './stream-journal.js';
export type { JournalRecord, StreamJournal } from './stream-journal.js';
