/**
 * The reading room's contracts: the only thing its cells share. Each cell imports these, never another
 * cell's files (the boundary lint rule enforces it).
 */
import { z } from 'zod';
import { defineContract } from '@cellular/core';

/** Document lifecycle: queued -> fetching -> fetched -> summarised, or failed with a reason. */
export const DocumentStatus = z.enum(['queued', 'fetching', 'fetched', 'summarised', 'failed']);

const DocumentId = z.string().regex(/^[0-9a-v]{24}$/u, 'a document id');
const Url = z
  .url({ protocol: /^https?$/u })
  .max(2048)
  .refine((u) => /^https?:\/\//iu.test(u), 'an http(s) URL');
const Tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/u, 'lowercase letters, digits and -, at most 32');

/** A stored document as the outside sees it. */
export const DocumentView = z.object({
  id: z.string(),
  url: z.string(),
  title: z.string(),
  status: DocumentStatus,
  error: z.string().optional(),
  summary: z.string(),
  summaryMethod: z.string(),
  text: z.string().optional(),
  bytes: z.number(),
  tags: z.array(z.string()),
  submittedBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** Submit a link. */
export const SubmitLink = defineContract({
  name: 'library.submit',
  subject: 'library.submit',
  version: 1,
  kind: 'command',
  description: 'Submit a link to be fetched, summarised and indexed',
  schema: z.object({ url: Url, tags: z.array(Tag).max(10).default([]) }).strict(),
  response: z.object({ id: z.string(), status: DocumentStatus }),
});

/** Read one document. */
export const GetDocument = defineContract({
  name: 'library.get',
  subject: 'library.get',
  version: 1,
  kind: 'query',
  description: 'Read one document with its text and summary',
  schema: z.object({ id: DocumentId }).strict(),
  response: DocumentView,
});

/** List documents, newest first. */
export const ListDocuments = defineContract({
  name: 'library.list',
  subject: 'library.list',
  version: 1,
  kind: 'query',
  description: 'List documents, newest first, optionally by tag',
  schema: z
    .object({ tag: Tag.optional(), limit: z.coerce.number().int().min(1).max(100).default(50), offset: z.coerce.number().int().min(0).default(0) })
    .strict(),
  response: z.object({ items: z.array(DocumentView), total: z.number() }),
});

/** Replace a document's tags. */
export const TagDocument = defineContract({
  name: 'library.tag',
  subject: 'library.tag',
  version: 1,
  kind: 'command',
  description: "Replace a document's tags",
  schema: z.object({ id: DocumentId, tags: z.array(Tag).max(10) }).strict(),
  response: z.object({ id: z.string(), tags: z.array(z.string()) }),
});

/** A document changed status (the live progress feed). */
export const DocumentStatusChanged = defineContract({
  name: 'library.status_changed',
  subject: 'library.status_changed',
  version: 1,
  kind: 'event',
  description: 'A document moved to a new status',
  schema: z.object({ id: z.string(), status: DocumentStatus, title: z.string(), error: z.string().optional(), at: z.number() }),
});

/** A document's text is ready to index. */
export const DocumentReady = defineContract({
  name: 'library.document_ready',
  subject: 'library.document_ready',
  version: 1,
  kind: 'event',
  description: 'A document has text (and maybe a summary) to index',
  validate: 'both',
  schema: z.object({ id: z.string(), title: z.string(), text: z.string(), summary: z.string(), tags: z.array(z.string()) }),
});

/** A queued fetch job (durable: survives restarts and crashes of the fetcher). */
export const FetchJob = defineContract({
  name: 'library.fetch_job',
  subject: 'library.fetch_job',
  version: 1,
  kind: 'event',
  description: 'A link waiting to be fetched',
  // attempt: 1 for a new link; retries re-stream the job with the next number.
  schema: z.object({ id: z.string(), url: z.string(), attempt: z.number().int().min(1).optional() }),
});

/** Fetch a page and extract its readable text (answered by the sandboxed fetcher). */
export const FetchPage = defineContract({
  name: 'fetcher.fetch',
  subject: 'fetcher.fetch',
  version: 1,
  kind: 'command',
  description: 'Fetch a public web page and extract its readable text (sandboxed)',
  validate: 'both',
  schema: z.object({ url: z.string() }),
  response: z.object({ finalUrl: z.string(), status: z.number(), title: z.string(), text: z.string(), bytes: z.number() }),
});

/** Summarise a text. */
export const Summarise = defineContract({
  name: 'summarizer.summarise',
  subject: 'summarizer.summarise',
  version: 1,
  kind: 'query',
  description: 'Summarise a text (pinned model when configured, else extractive)',
  schema: z.object({ title: z.string(), text: z.string() }),
  response: z.object({ summary: z.string(), method: z.string() }),
});

/** Full-text search. */
export const SearchDocuments = defineContract({
  name: 'search.query',
  subject: 'search.query',
  version: 1,
  kind: 'query',
  description: 'Full-text search over titles and text',
  schema: z.object({ q: z.string().min(1).max(200), limit: z.coerce.number().int().min(1).max(50).default(20) }).strict(),
  response: z.object({ hits: z.array(z.object({ id: z.string(), title: z.string(), snippet: z.string(), score: z.number() })) }),
});

/** The live topology (generated from the composition, never hand-drawn). */
export const GetTopology = defineContract({
  name: 'ops.topology',
  subject: 'ops.topology',
  version: 1,
  kind: 'query',
  description: 'The topology of the running composition (cells, peripheries, contracts, transports)',
  schema: z.object({}).strict(),
  response: z.object({ mermaid: z.string(), topology: z.unknown() }),
});

/** Trigger values, states and history. */
export const GetTriggers = defineContract({
  name: 'ops.triggers',
  subject: 'ops.triggers',
  version: 1,
  kind: 'query',
  description: 'Current trigger signals, rule states and recent history',
  schema: z.object({}).strict(),
  response: z.object({
    at: z.number().optional(),
    signals: z.array(z.object({ name: z.string(), value: z.number(), scope: z.string().optional(), unit: z.string().optional() })),
    instances: z.array(z.object({ rule: z.string(), scope: z.string(), state: z.string(), value: z.number().optional() })),
    series: z.array(z.object({ at: z.number(), values: z.record(z.string(), z.number()) })),
    history: z.array(z.unknown()),
  }),
});

/** Document counts per status and bus/sandbox counters. */
export const GetSystemStatus = defineContract({
  name: 'ops.status',
  subject: 'ops.status',
  version: 1,
  kind: 'query',
  description: 'Counters of the running system',
  schema: z.object({}).strict(),
  response: z.object({ documents: z.record(z.string(), z.number()), bus: z.record(z.string(), z.unknown()), uptimeS: z.number() }),
});
