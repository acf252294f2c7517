// Fault: the fetcher's sandbox is killed mid-fetch. The app runs in one process with the fetcher on the
// sandbox's process tier, so its worker is an OS process the test can SIGKILL while pages are still
// arriving from a slow loopback site. Every submitted link must end summarised or failed with a clear
// reason (none stuck in queued/fetching), the killed fetches must be retried, and the app must keep
// serving new submissions afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { client, tempDir, until } from './helpers.js';
import { childPids, listAll, settleAll, startSlowSite, type SlowSite } from './faults.js';

const SLOW = 6;
/** The sandbox's child process runs this runtime file; its command line names it. */
const SANDBOX_CHILD = 'process-entry.mjs';

let app: RunningApp;
let site: SlowSite;
let data: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  data = await tempDir();
  site = await startSlowSite(1500);
  app = await startApp({ dataDir: data.dir, port: 0, sampleSite: false, allowLocal: [site.hostPort], fetcherTier: 'process', monitorIntervalMs: 60_000 });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await site?.close();
  await data?.remove();
});

describe('fault: the fetcher sandbox is SIGKILLed mid-fetch', () => {
  it('ends every link fetched or clearly failed, retries the killed fetches and keeps serving', async () => {
    const api = client(app.url!, app.firstAdminKey);
    const submit = async (path: string): Promise<string> => {
      const r = await api.post('/api/documents', { url: `${site.origin}${path}` });
      expect(r.status).toBe(202);
      return r.body.id as string;
    };
    const slow = await Promise.all(Array.from({ length: SLOW }, (_, i) => submit(`/slow/${i}`)));

    // Kill the sandbox's process while a page is still arriving, twice (the second time the replacement
    // child). On the in-memory bus the library fetches one link at a time (per-subject ordering).
    const killed: number[] = [];
    for (let round = 0; round < 2; round++) {
      const pid = await until(async () => {
        const pids = childPids(SANDBOX_CHILD).filter((p) => !killed.includes(p));
        return site.open() >= 1 && pids.length === 1 ? pids[0] : undefined;
      }, 30_000, `a fetch in progress in a live sandbox child (round ${round})`);
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
    const killedAt = Date.now();
    // Right after the crashes: one link that will never work (404: permanent) and one that keeps
    // failing (503: retried with backoff, then failed).
    const notFound = await submit('/status/404');
    const unavailable = await submit('/status/503');

    const ids = [...slow, notFound, unavailable];
    const outcomes = await settleAll(ids, () => listAll(api), 45_000);
    const recoveryMs = Date.now() - killedAt;

    // The slow pages were in progress when their sandbox died; the retries fetched them all.
    const summarised = slow.filter((id) => outcomes.get(id)!.status === 'summarised');
    expect(summarised).toEqual(slow);
    const retried = [...site.hits].filter(([path, n]) => path.startsWith('/slow/') && n > 1).length;
    expect(retried).toBeGreaterThan(0);
    // The links that cannot work failed with their reason, not silently.
    expect(outcomes.get(notFound)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^NOT_FOUND: HTTP 404/u) as unknown });
    expect(outcomes.get(unavailable)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^TRANSPORT_ERROR: HTTP 503/u) as unknown });
    expect(site.hits.get('/status/503')).toBe(3);

    // The app still serves: a new link after the crashes is fetched and summarised by a fresh sandbox.
    const after = await submit('/slow/after');
    const fresh = await settleAll([after], () => listAll(api), 30_000);
    expect(fresh.get(after)!.status).toBe('summarised');
    expect(childPids(SANDBOX_CHILD).some((p) => !killed.includes(p))).toBe(true);

    console.log(
      `[fault-fetcher] ${ids.length} links, sandbox SIGKILLed ${killed.length}x mid-fetch: ${summarised.length} summarised, ` +
        `${ids.length - summarised.length} failed (404, 503), ${retried} slow pages fetched again; all ended ${recoveryMs} ms after the last kill`,
    );
  }, 120_000);
});
