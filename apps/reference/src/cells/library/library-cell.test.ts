import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBus, createCellHost, createMemoryTransport, type CellHost } from '@cellular/bus';
import { defineCell } from '@cellular/core';
import { waitFor } from '@cellular/testkit';
import { FetchPage, SubmitLink, Summarise } from '../../contracts.js';
import { libraryCell } from './library-cell.js';

/** Stand-ins for the fetcher (counting its fetches, `delay` holding some back) and the summarizer. */
function stubs(fetched: string[], delay: (url: string) => Promise<void>) {
  return [
    defineCell({
      name: 'fetcher',
      handles: [FetchPage],
      start: ({ bus }) => {
        bus.handle(FetchPage, async ({ url }) => {
          fetched.push(url);
          await delay(url);
          return { finalUrl: url, status: 200, title: 'Stub page', text: 'A stub page.', bytes: 12 };
        });
      },
    }),
    defineCell({
      name: 'summarizer',
      handles: [Summarise],
      start: ({ bus }) => {
        bus.handle(Summarise, ({ text }) => ({ summary: text, method: 'stub' }));
      },
    }),
  ];
}

describe('library cell recovery', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(staleAfterMs: number, delay: (url: string) => Promise<void> = () => Promise.resolve()) {
    const dir = await mkdtemp(join(tmpdir(), 'library-cell-'));
    const library = libraryCell({ dbPath: join(dir, 'library.db'), staleAfterMs });
    const fetched: string[] = [];
    const bus = createBus({ transport: createMemoryTransport() });
    await bus.connect();
    const host: CellHost = createCellHost({ bus, cells: [...stubs(fetched, delay), library.cell], signals: false });
    await host.start();
    cleanups.push(async () => {
      await host.stop();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    });
    return { bus, store: library.store()!, fetched };
  }

  it('re-enqueues an unfinished document that has no job (its stream publish or delivery was lost)', async () => {
    const { store, fetched } = await start(200);
    // Stored as queued, but never put on the stream: what a failed job publish or a lost delivery leaves.
    const id = store.insert('https://example.org/orphan', 'member', []);
    await waitFor(() => store.get(id, false)?.status === 'summarised', { timeout: 15_000 });
    expect(fetched).toEqual(['https://example.org/orphan']);
    expect(store.pending()).toEqual([]);
  });

  it('runs jobs side by side: a page that hangs does not hold back the links behind it', async () => {
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const { bus, store } = await start(60_000, (url) => (url.endsWith('/hang') ? hung : Promise.resolve()));
    cleanups.push(() => {
      release();
      return Promise.resolve();
    });
    const first = await bus.request(SubmitLink, { url: 'https://example.org/hang' });
    const others = await Promise.all([1, 2, 3].map((i) => bus.request(SubmitLink, { url: `https://example.org/${i}` })));
    await waitFor(() => others.every((o) => store.get(o.id, false)?.status === 'summarised'), { timeout: 15_000 });
    expect(store.get(first.id, false)?.status).toBe('fetching');
  });
});
