/**
 * The reading room as data: every cell and periphery, the gateway routes and the default transport,
 * built without starting anything (cells open their databases and sandboxes only on start). It is
 * what `cellular graph` draws into README.md (CI checks it is fresh) and what the ops cell serves.
 */
import { defineComposition } from '@cellular/core';
import type { Composition } from '@cellular/core';
import { defineRoute, toRouteDeclaration } from '@cellular/gateway';
import type { TriggerMonitor } from '@cellular/triggers';
import { libraryCell } from './cells/library/library-cell.js';
import { opsCell } from './cells/ops/ops-cell.js';
import { searchCell } from './cells/search/search-cell.js';
import { summarizerCell } from './cells/summarizer/summarizer-cell.js';
import {
  DocumentStatusChanged,
  GetDocument,
  GetSystemStatus,
  GetTopology,
  GetTriggers,
  ListDocuments,
  SearchDocuments,
  SubmitLink,
  TagDocument,
} from './contracts.js';
import { fetcherPeriphery } from './peripheries/fetcher/fetcher.js';

/** The gateway routes (app.ts passes the same list to createGateway). */
export const ROUTES = [
  defineRoute({ method: 'POST', path: '/api/documents', contract: SubmitLink, capabilities: ['documents:write'], status: 202 }),
  defineRoute({ method: 'GET', path: '/api/documents', contract: ListDocuments, capabilities: ['documents:read'] }),
  defineRoute({ method: 'GET', path: '/api/documents/:id', contract: GetDocument, capabilities: ['documents:read'] }),
  defineRoute({ method: 'PUT', path: '/api/documents/:id/tags', contract: TagDocument, capabilities: ['documents:write'] }),
  defineRoute({ method: 'GET', path: '/api/search', contract: SearchDocuments, capabilities: ['documents:read'] }),
  defineRoute({ method: 'GET', path: '/api/events', contract: DocumentStatusChanged, capabilities: ['documents:read'] }),
  defineRoute({ method: 'GET', path: '/api/admin/topology', contract: GetTopology, capabilities: ['admin'] }),
  defineRoute({ method: 'GET', path: '/api/admin/triggers', contract: GetTriggers, capabilities: ['admin'] }),
  defineRoute({ method: 'GET', path: '/api/admin/status', contract: GetSystemStatus, capabilities: ['admin'] }),
];

/** The declared composition (no data directory, no sample-site grant: those are run-time configuration). */
export const composition: Composition = defineComposition({
  name: 'reading-room',
  cells: [
    summarizerCell(),
    fetcherPeriphery(),
    libraryCell({ dbPath: 'data/library.db' }).cell,
    searchCell({ dbPath: 'data/search.db' }),
    // ops' options are used only once it starts; the declaration is what matters here
    opsCell({ composition: () => composition, monitor: undefined as unknown as TriggerMonitor, status: () => ({ documents: {}, bus: {} }) }).cell,
  ],
  routes: ROUTES.map(toRouteDeclaration),
  transports: { default: 'memory' },
});
