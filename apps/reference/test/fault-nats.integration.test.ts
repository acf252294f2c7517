// Fault: the NATS server is SIGKILLed mid-run. The app runs split over two processes (the library,
// search and gateway here; the fetcher and summarizer in a second process, as an operator would start
// them) on a nats-server this test owns (free loopback port, JetStream store in a temp dir). Links are
// submitted continuously while the server is killed and restarted on the same port and store. Every
// link the gateway accepted (2xx) must end summarised or clearly failed; no document may be left
// stuck in queued/fetching/fetched, whatever the submitter was told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { client, tempDir, until } from './helpers.js';
import { listAll, NATS_SERVER_BIN, settleAll, startOwnNatsServer, type OwnNatsServer } from './faults.js';
import { existsSync } from 'node:fs';
import { spawnApp, type AppProcess } from './process.js';

const available = existsSync(NATS_SERVER_BIN);
const skipReason = `skipped: ${NATS_SERVER_BIN} not found (set NATS_SERVER_BIN)`;
if (!available && process.env.CI === 'true') throw new Error(`${skipReason}, and CI=true`);

/** Accepted links wanted before the kill and after the restart. */
const BEFORE = 10;
const AFTER = 10;
/** How long the server stays down while links keep coming. */
const DOWN_MS = 3000;
const MEMBERS = 6;
/** Request timeouts that bound a reply lost with the server, and the idle sweep that finds a lost delivery. */
const LIBRARY = { fetchTimeoutMs: 10_000, summariseTimeoutMs: 10_000, staleAfterMs: 5_000 };

describe.skipIf(!available)(`fault: the NATS server is SIGKILLed mid-run${available ? '' : ` (${skipReason})`}`, () => {
  let server: OwnNatsServer;
  let workers: AppProcess;
  let app: RunningApp;
  let sampleUrl: string;
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    server = await startOwnNatsServer();
    const d1 = await tempDir();
    const d2 = await tempDir();
    dirs.push(d1, d2);
    workers = spawnApp(['--cells', 'fetcher,summarizer'], { CELLULAR_TRANSPORT: 'nats', NATS_URL: server.url, CELLULAR_DATA_DIR: d2.dir });
    sampleUrl = (await workers.waitFor(/Sample site to submit: (\S+)/u, 60_000))[1]!;
    app = await startApp({ dataDir: d1.dir, port: 0, transport: 'nats', natsUrl: server.url, cells: ['library', 'search'], gateway: true, monitorIntervalMs: 60_000, library: LIBRARY });
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await workers?.kill();
    await server?.dispose();
    for (const d of dirs) await d.remove();
  });

  it('ends every accepted link summarised or clearly failed, none stuck or lost', async () => {
    const api = client(app.url!, app.firstAdminKey);
    const accepted: string[] = [];
    const refused = new Map<string, number>();
    let phase: 'before' | 'down' | 'after' = 'before';
    const acceptedIn = { before: 0, down: 0, after: 0 };
    let stop = false;
    let n = 0;
    // Members submitting one link at a time each, continuously, through the kill and the restart.
    const member = async (): Promise<void> => {
      while (!stop) {
        const at = phase;
        const r = await api.post('/api/documents', { url: `${sampleUrl}?n=${n++}` }).catch((e: unknown) => ({ status: 0, body: String(e) }));
        if (r.status >= 200 && r.status < 300) {
          accepted.push(r.body.id as string);
          acceptedIn[at]++;
        } else {
          const key = `${at}: ${r.status} ${typeof r.body === 'object' ? (r.body?.error?.code ?? r.body?.code ?? '') : ''}`;
          refused.set(key, (refused.get(key) ?? 0) + 1);
          await new Promise((res) => setTimeout(res, 100));
        }
      }
    };
    const members = Array.from({ length: MEMBERS }, () => member());

    // Kill the server while work is in flight: links accepted and not yet finished.
    let inFlightAtKill = 0;
    await until(
      async () => {
        if (acceptedIn.before < BEFORE) return undefined;
        inFlightAtKill = (await listAll(api)).filter((d) => !['summarised', 'failed'].includes(d.status)).length;
        return inFlightAtKill >= 2 ? true : undefined;
      },
      30_000,
      'links accepted and in flight before the kill',
    );
    await server.kill();
    phase = 'down';
    await new Promise((r) => setTimeout(r, DOWN_MS)); // the outage itself, not a wait for a result
    await server.restart();
    const restartedAt = Date.now();
    phase = 'after';
    await until(async () => (acceptedIn.after >= AFTER ? true : undefined), 60_000, 'links accepted after the restart');
    const firstAcceptedAfterMs = Date.now() - restartedAt;
    stop = true;
    await Promise.all(members);

    const outcomes = await settleAll(accepted, () => listAll(api), 60_000);
    const recoveryMs = Date.now() - restartedAt;
    // No document at all is left unfinished, also those whose submitter saw an error (the gateway
    // timed out while the server was down, but the submission was stored, or its job publish failed).
    const all = [...(await settleAll((await listAll(api)).map((d) => d.id), () => listAll(api), 30_000)).values()];
    expect(all.filter((d) => !['summarised', 'failed'].includes(d.status))).toEqual([]);
    const allEndedMs = Date.now() - restartedAt;
    const summarised = accepted.filter((id) => outcomes.get(id)!.status === 'summarised').length;
    const failed = accepted.filter((id) => outcomes.get(id)!.status === 'failed');
    for (const id of failed) expect(outcomes.get(id)!.error).toMatch(/^[A-Z_]+: /u);
    expect(summarised).toBeGreaterThan(0);

    console.log(
      `[fault-nats] ${accepted.length} links accepted (${acceptedIn.before} before the kill, ${inFlightAtKill} of them unfinished at the kill, ${acceptedIn.down} while down, ${acceptedIn.after} after the restart), ` +
        `${summarised} summarised, ${failed.length} failed, 0 stuck; refused: ${JSON.stringify(Object.fromEntries(refused))}; ` +
        `${all.length} documents in the library (all ended ${allEndedMs} ms after the restart); accepted ones ended ${recoveryMs} ms after the restart (${AFTER} accepted after ${firstAcceptedAfterMs} ms)`,
    );
  }, 180_000);
});
