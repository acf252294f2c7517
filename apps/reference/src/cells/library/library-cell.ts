/**
 * The library cell owns documents, tags and their status. A submission is stored (queued) and put on
 * the durable FetchJob stream; the cell's own consumer then asks the sandboxed fetcher for the page and
 * the summarizer for a summary, recording each step and publishing it as a status event. SQLite is the
 * source of truth: at start the cell re-enqueues every document a crash or restart left unfinished, and
 * a job for a finished document is acked without work, so a link always ends summarised or clearly
 * failed, never silently lost. While running, a sweep re-enqueues any unfinished document that has
 * made no progress for `staleAfterMs` and has no job running here: a delivery lost with a broker
 * connection, or a job (or retry) whose stream publish failed, then waits seconds instead of the
 * broker's ack timeout (or forever). Jobs run in a few slots side by side; a retry is a new job with the
 * next attempt number.
 */
import { CellularError, defineCell, toCellularError } from '@cellular/core';
import type { CellBus } from '@cellular/core';
import {
  DocumentReady,
  DocumentStatusChanged,
  FetchJob,
  FetchPage,
  GetDocument,
  ListDocuments,
  SubmitLink,
  Summarise,
  TagDocument,
} from '../../contracts.js';
import type { ContentCipher } from './content-cipher.js';
import { LibraryStore } from './library-store.js';

export { ContentCipher } from './content-cipher.js';
export type { KeyringSource } from './content-cipher.js';

/** Options for {@link libraryCell}. */
export interface LibraryOptions {
  /** SQLite file path. */
  readonly dbPath: string;
  /** Fetch attempts before a document is marked failed. Defaults to 3. */
  readonly maxAttempts?: number;
  /** Fetch timeout in ms. Defaults to 30,000. */
  readonly fetchTimeoutMs?: number;
  /** Summary timeout in ms (a model may be slow). Defaults to 60,000. */
  readonly summariseTimeoutMs?: number;
  /** Re-enqueue an unfinished document idle this long with no job running here. Defaults to 20,000 ms. */
  readonly staleAfterMs?: number;
  /** Fetch jobs run at once (each waits mostly on the network). Defaults to 2. */
  readonly concurrency?: number;
  /** Seal document content at rest (title, text, summary). Defaults to plaintext. */
  readonly cipher?: ContentCipher;
}

/** Errors that will not get better by retrying. */
const PERMANENT = new Set(['SANDBOX_VIOLATION', 'VALIDATION', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'FORBIDDEN']);
/** Delay before each retry; it outlasts a peer's reconnect after a broker restart (NO_RESPONDERS meanwhile). */
const BACKOFF_MS = [1000, 5000];

/** A counting semaphore. */
function semaphore(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    acquire: (): Promise<void> => {
      if (free > 0) {
        free--;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release: (): void => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** The library cell plus a handle on its store (for runbooks and tests). */
export function libraryCell(options: LibraryOptions) {
  let store: LibraryStore | undefined;
  const maxAttempts = options.maxAttempts ?? 3;
  const staleAfterMs = options.staleAfterMs ?? 20_000;
  /** Documents whose job runs (or waits for a slot) in this process now, and when each unfinished one last saw activity. */
  const working = new Set<string>();
  const waiting = new Set<string>();
  const lastActivity = new Map<string, number>();
  let sweepTimer: NodeJS.Timeout | undefined;
  const slots = semaphore(options.concurrency ?? 2);
  const running = new Set<Promise<void>>();
  const retries = new Set<NodeJS.Timeout>();
  let stopping = new AbortController();
  const status = async (bus: CellBus, id: string, s: 'queued' | 'fetching' | 'fetched' | 'summarised' | 'failed', error?: string): Promise<void> => {
    const doc = store!.get(id, false);
    await bus.publish(DocumentStatusChanged, { id, status: s, title: doc?.title ?? '', at: Date.now(), ...(error ? { error } : {}) });
  };
  const cell = defineCell({
    name: 'library',
    description: 'Documents, tags and their status (SQLite)',
    capabilities: ['db:library'],
    handles: [SubmitLink, GetDocument, ListDocuments, TagDocument],
    publishes: [DocumentStatusChanged, DocumentReady, FetchJob],
    consumes: [FetchJob],
    requests: [FetchPage, Summarise],
    dependsOn: ['summarizer', 'fetcher'],
    start: async ({ bus, logger }) => {
      stopping = new AbortController();
      store = new LibraryStore(options.dbPath, options.cipher);
      const db = store;
      bus.handle(SubmitLink, async ({ url, tags }, ctx) => {
        const id = db.insert(url, ctx.principal ?? 'anonymous', tags);
        await bus.stream(FetchJob, { id, url });
        await status(bus, id, 'queued');
        return { id, status: 'queued' as const };
      });
      bus.handle(GetDocument, ({ id }) => {
        const doc = db.get(id);
        if (!doc) throw new CellularError('NOT_FOUND', `No document ${id}`);
        return doc;
      });
      bus.handle(ListDocuments, ({ tag, limit, offset }) => db.list({ tag, limit, offset }));
      bus.handle(TagDocument, async ({ id, tags }) => {
        if (!db.setTags(id, tags)) throw new CellularError('NOT_FOUND', `No document ${id}`);
        const doc = db.get(id)!;
        if (doc.status === 'summarised') {
          await bus.publish(DocumentReady, { id, title: doc.title, text: doc.text ?? '', summary: doc.summary, tags });
        }
        return { id, tags };
      });
      /** One job: fetch (unless already fetched), summarise, record each step; retries by re-streaming. */
      const run = async (id: string, url: string, attempt: number): Promise<void> => {
        const doc = db.get(id, false);
        if (!doc || doc.status === 'summarised' || doc.status === 'failed') return;
        const signal = stopping.signal;
        try {
          if (doc.status !== 'fetched') {
            db.setStatus(id, 'fetching');
            await status(bus, id, 'fetching');
            const page = await bus.request(FetchPage, { url }, { timeout: options.fetchTimeoutMs ?? 30_000, signal });
            if (page.status >= 400) {
              // 5xx, 408 and 429 may pass; other client errors will not.
              const transient = page.status >= 500 || page.status === 408 || page.status === 429;
              throw new CellularError(transient ? 'TRANSPORT_ERROR' : 'NOT_FOUND', `HTTP ${page.status} from ${page.finalUrl}`);
            }
            db.setFetched(id, page);
            await status(bus, id, 'fetched');
          }
          const full = db.get(id)!;
          const { summary, method } = await bus.request(Summarise, { title: full.title, text: full.text ?? '' }, { timeout: options.summariseTimeoutMs ?? 60_000, signal });
          db.setSummary(id, summary, method);
          await bus.publish(DocumentReady, { id, title: full.title, text: full.text ?? '', summary, tags: full.tags });
          await status(bus, id, 'summarised');
        } catch (e) {
          if (signal.aborted) return; // stopping: the document stays unfinished and is resumed at the next start
          const err = toCellularError(e);
          if (PERMANENT.has(err.code) || attempt >= maxAttempts) {
            const reason = `${err.code}: ${err.message}`;
            db.setStatus(id, 'failed', reason);
            await status(bus, id, 'failed', reason);
            logger.warn('document failed', { id, reason, attempt });
            return;
          }
          logger.info('fetch will be retried', { id, code: err.code, attempt });
          const timer = setTimeout(() => {
            retries.delete(timer);
            bus.stream(FetchJob, { id, url, attempt: attempt + 1 }).catch((e2: unknown) => {
              logger.warn('could not re-enqueue a retry; the idle sweep will', { id, error: toCellularError(e2).message });
            });
          }, BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length) - 1]);
          retries.add(timer);
        }
      };
      // The job is acked once a slot is free and then runs here: jobs run side by side (the in-memory
      // stream would otherwise hold every later job behind a slow page), and while all slots are busy the
      // stream holds the rest. A crash, a lost ack or a failed retry publish is covered by SQLite: the
      // start-up recovery and the idle sweep re-enqueue whatever is unfinished.
      bus.consume(
        FetchJob,
        async ({ id, url, attempt }, msg) => {
          const done = (): boolean => {
            const doc = db.get(id, false);
            // nothing to do: finished, or a duplicate while its job runs here (that job settles it)
            return !doc || doc.status === 'summarised' || doc.status === 'failed' || working.has(id);
          };
          if (done()) return;
          waiting.add(id);
          await slots.acquire();
          waiting.delete(id);
          if (done() || stopping.signal.aborted) {
            slots.release();
            return;
          }
          working.add(id);
          await msg.ack();
          const job = run(id, url, attempt ?? 1)
            .catch((e: unknown) => {
              logger.warn('fetch job failed; the idle sweep will retry it', { id, error: toCellularError(e).message });
            })
            .finally(() => {
              working.delete(id);
              lastActivity.set(id, Date.now());
              running.delete(job);
              slots.release();
            });
          running.add(job);
        },
        { durable: 'library-fetch', maxDeliver: 5, ackWaitMs: 60_000 },
      );
      // Recovery: anything a crash or restart interrupted goes back on the stream; later, anything idle.
      const requeue = async (idle: number): Promise<void> => {
        const now = Date.now();
        const pending = db.pending();
        const open = new Set(pending.map((p) => p.id));
        for (const id of lastActivity.keys()) if (!open.has(id)) lastActivity.delete(id);
        for (const p of pending) {
          if (working.has(p.id) || waiting.has(p.id) || now - Math.max(p.updatedAt, lastActivity.get(p.id) ?? 0) < idle) continue;
          lastActivity.set(p.id, now);
          await bus.stream(FetchJob, { id: p.id, url: p.url });
          if (idle > 0) logger.info('idle document re-enqueued', { id: p.id, status: p.status });
        }
      };
      await requeue(0);
      let sweeping = false;
      sweepTimer = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        requeue(staleAfterMs)
          .catch((e: unknown) => {
            logger.warn('could not re-enqueue idle documents; will retry', { error: toCellularError(e).message });
          })
          .finally(() => {
            sweeping = false;
          });
      }, Math.max(250, Math.floor(staleAfterMs / 4)));
      sweepTimer.unref();
    },
    stop: async () => {
      clearInterval(sweepTimer);
      sweepTimer = undefined;
      for (const t of retries) clearTimeout(t);
      retries.clear();
      // Running jobs end at once (CANCELLED); their documents stay unfinished and resume at the next start.
      stopping.abort();
      await Promise.all(running);
      store?.close();
      store = undefined;
    },
  });
  return { cell, store: (): LibraryStore | undefined => store };
}

/**
 * Runbook `rotate-encryption-key`: re-seal every document's content in the library file at `dbPath`
 * under `cipher`'s active key (its keyring must still hold the keys the rows use). Safe while the app
 * runs: SQLite serialises it with the cell's writes.
 */
export function resealLibrary(dbPath: string, cipher: ContentCipher): { rewritten: number; rows: number; stale: number } {
  const store = new LibraryStore(dbPath, cipher);
  try {
    return store.reseal();
  } finally {
    store.close();
  }
}

/** Runbook helper: how many content fields of the library file are sealed under each key id (`plaintext` for the rest). */
export function libraryKeyUsage(dbPath: string): { kid: string; fields: number }[] {
  const store = new LibraryStore(dbPath);
  try {
    return store.keyUsage();
  } finally {
    store.close();
  }
}
