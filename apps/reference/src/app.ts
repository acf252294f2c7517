/**
 * The composition root: the only file that wires cells together. It picks the transport (memory by
 * default; NATS or Redis by configuration, with the cells' code unchanged), runs the chosen subset of
 * cells in a cell host, and — in the process that faces the outside — the gateway with its routes, API
 * keys, RBAC and audit log, the trigger monitor with the seeds' default rules, and the web page.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createBus, createCellHost, createMemoryTransport, type Bus, type CellHost } from '@cellular/bus';
import { defineComposition, silentLogger, type Cell, type Composition, type Logger, type Transport } from '@cellular/core';
import { ApiKeyStore, AuditLog, createGateway, type Gateway } from '@cellular/gateway';
import { createNatsTransport } from '@cellular/transport-nats';
import { createRedisTransport } from '@cellular/transport-redis';
import {
  codebaseReportSignals,
  createTriggerMonitor,
  DEFAULT_RULES,
  factSignals,
  measureCodebase,
  processSignals,
  signalSource,
  SIGNALS,
  type Signal,
  type TriggerMonitor,
} from '@cellular/triggers';
import { ContentCipher, libraryCell, type LibraryOptions } from './cells/library/library-cell.js';
import { opsCell } from './cells/ops/ops-cell.js';
import { searchCell } from './cells/search/search-cell.js';
import { summarizerCell, type SummaryModel } from './cells/summarizer/summarizer-cell.js';
import { fetcherPeriphery } from './peripheries/fetcher/fetcher.js';
import { ROUTES } from './composition.js';
import { DATA_FILES, followApiKeyFile, keyringSource, markRunning, readApiKeyRecords, writeApiKeyRecords } from './data-dir.js';
import { startSampleSite, type SampleSite } from './sample-site.js';
import { PAGE_CSP, webPages } from './web/serve.js';

/** Every cell of the reading room, by name. */
export const CELL_NAMES = ['library', 'search', 'summarizer', 'fetcher', 'ops'] as const;

/** Roles and what they may do. */
export const ROLES = {
  member: ['documents:read', 'documents:write'],
  admin: ['documents:read', 'documents:write', 'admin'],
} as const;

/** Application configuration (see `configFromEnv`). */
export interface AppConfig {
  /** Where SQLite files, API key hashes and the audit log live. */
  readonly dataDir: string;
  /** `memory` (default), `nats` or `redis`. */
  readonly transport?: 'memory' | 'nats' | 'redis';
  readonly natsUrl?: string;
  readonly redisUrl?: string;
  /** Cells to run in this process; undefined = all of them plus the gateway. */
  readonly cells?: readonly string[];
  /** Run the gateway here. Defaults to true when `cells` is undefined. */
  readonly gateway?: boolean;
  /** HTTP port (0 = random). Defaults to 8080. */
  readonly port?: number;
  readonly host?: string;
  /** Start the local sample site and grant the fetcher access to it. Defaults to true. */
  readonly sampleSite?: boolean;
  /** Extra loopback `host:port` grants for the fetcher (tests). */
  readonly allowLocal?: readonly string[];
  /** Model-backed summaries; extractive when absent. */
  readonly summaryModel?: SummaryModel;
  readonly summaryModelName?: string;
  /** Trigger monitor interval. Defaults to 5000 ms. */
  readonly monitorIntervalMs?: number;
  /** Trigger rules. Defaults to the seeds' {@link DEFAULT_RULES}. */
  readonly triggerRules?: Parameters<typeof createTriggerMonitor>[0]['rules'];
  /**
   * Keyring that seals document content in library.db (`kid:base64key,...`, first active). Else
   * `CELLULAR_ENCRYPTION_KEY`, else `<dataDir>/encryption.keys`; no key = plaintext.
   */
  readonly encryptionKey?: string;
  /** Fetcher sandbox tier. Defaults to `worker`. */
  readonly fetcherTier?: 'worker' | 'process';
  /** The library's retry and timeout settings (fault tests shorten them). */
  readonly library?: Pick<LibraryOptions, 'maxAttempts' | 'fetchTimeoutMs' | 'summariseTimeoutMs' | 'staleAfterMs'>;
  readonly logger?: Logger;
}

/** A running reading room. */
export interface RunningApp {
  readonly bus: Bus;
  readonly host: CellHost;
  readonly composition: Composition;
  readonly gateway: Gateway | undefined;
  /** `http://host:port` of the gateway, when this process runs it. */
  readonly url: string | undefined;
  /** The admin key, only when it was created by this start (first run). */
  readonly firstAdminKey: string | undefined;
  readonly sampleSite: SampleSite | undefined;
  readonly monitor: TriggerMonitor | undefined;
  readonly apiKeys: ApiKeyStore;
  /** Issue a key for a member or admin and persist its hash. */
  issueKey(principal: string, role: keyof typeof ROLES): Promise<string>;
  stop(): Promise<void>;
}

function makeTransport(config: AppConfig): Transport {
  switch (config.transport ?? 'memory') {
    case 'memory':
      return createMemoryTransport();
    case 'nats':
      return createNatsTransport({ ...(config.natsUrl ? { servers: config.natsUrl } : {}), name: 'reading-room' });
    case 'redis':
      return createRedisTransport({ ...(config.redisUrl ? { url: config.redisUrl } : {}) });
  }
}

/** Start the reading room. */
export async function startApp(config: AppConfig): Promise<RunningApp> {
  const logger = config.logger ?? silentLogger;
  await mkdir(config.dataDir, { recursive: true });
  const local = new Set(config.cells ?? CELL_NAMES);
  const runGateway = config.gateway ?? config.cells === undefined;
  const sampleSite = config.sampleSite === false || !local.has('fetcher') ? undefined : await startSampleSite();
  const allowLocal = [...(config.allowLocal ?? []), ...(sampleSite ? [sampleSite.hostPort] : [])];

  const unmark = markRunning(config.dataDir);
  const cipher = new ContentCipher(keyringSource({ dataDir: config.dataDir, key: config.encryptionKey }).cipher);
  const library = libraryCell({ ...config.library, dbPath: join(config.dataDir, DATA_FILES.library), cipher });
  const fetcher = fetcherPeriphery({ allowLocal, logger, ...(config.fetcherTier ? { tier: config.fetcherTier } : {}) });
  const summarizer = summarizerCell({
    ...(config.summaryModel ? { model: config.summaryModel } : {}),
    ...(config.summaryModelName ? { modelName: config.summaryModelName } : {}),
  });
  const search = searchCell({ dbPath: join(config.dataDir, DATA_FILES.search) });

  const bus = createBus({ transport: makeTransport(config), logger });
  await bus.connect();

  // API key hashes only (never the keys); the file's records win, so a runbook's revocation is kept.
  const keysPath = join(config.dataDir, DATA_FILES.apiKeys);
  const apiKeys = new ApiKeyStore(readApiKeyRecords(keysPath));
  const persistKeys = (): void => {
    for (const r of readApiKeyRecords(keysPath)) apiKeys.add(r);
    writeApiKeyRecords(keysPath, apiKeys);
  };
  const keyFileError = (e: unknown): void => {
    logger.warn('API key file not applied; the keys in use are unchanged', { path: keysPath, error: (e as Error).message });
  };
  const unfollowKeys = runGateway ? followApiKeyFile(keysPath, apiKeys, keyFileError) : () => undefined;
  let firstAdminKey: string | undefined;
  if (runGateway && apiKeys.records().length === 0) {
    firstAdminKey = apiKeys.issue('admin', { roles: ['admin'] }).key;
    persistKeys();
  }

  let gateway: Gateway | undefined;
  let monitor: TriggerMonitor | undefined;
  let proc: ReturnType<typeof processSignals> | undefined;
  const cells: Cell[] = [summarizer, fetcher, library.cell, search];
  const baseCells = cells.filter((c) => local.has(c.name));

  // The full composition (for topology and facts), whatever subset this process runs.
  let ops: ReturnType<typeof opsCell> | undefined;
  const compositionOf = (): Composition =>
    defineComposition({
      name: 'reading-room',
      cells: ops ? [...cells, ops.cell] : cells,
      routes: gateway?.routes ?? [],
      transports: { default: config.transport ?? 'memory' },
    });

  if (runGateway) {
    proc = processSignals();
    let codebase: Signal[] = [];
    void measureCodebase({ root: join(import.meta.dirname, '..', '..', '..') })
      .then((r) => {
        codebase = codebaseReportSignals(r);
      })
      .catch(() => undefined);
    const p = proc;
    monitor = createTriggerMonitor({
      rules: config.triggerRules ?? DEFAULT_RULES,
      sources: [
        p,
        factSignals(cells),
        signalSource('codebase', () => codebase),
        signalSource('gateway', () => {
          if (!gateway) return [];
          const s = gateway.stats();
          const errorRate = s.requests === 0 ? 0 : s.serverErrors / s.requests;
          return [
            { name: SIGNALS.concurrentUsers, value: s.concurrentUsers },
            { name: SIGNALS.latencyP99, value: s.latencyMs.p99, unit: 'ms' },
            { name: SIGNALS.errorRate, value: errorRate },
          ];
        }),
      ],
      bus,
      logger,
      intervalMs: config.monitorIntervalMs ?? 5000,
    });
    const m = monitor;
    ops = opsCell({
      composition: compositionOf,
      monitor: m,
      status: () => ({ documents: library.store()?.counts() ?? {}, bus: { ...bus.stats() } }),
    });
  }

  const hostCells = ops ? [...baseCells, ops.cell] : baseCells;
  const host = createCellHost({ bus, cells: hostCells, logger, signals: false });
  await host.start();

  let url: string | undefined;
  if (runGateway) {
    const audit = await AuditLog.open({ path: join(config.dataDir, DATA_FILES.audit), logger });
    const gw = await createGateway({
      bus,
      trustProxy: false,
      securityHeaders: { contentSecurityPolicy: PAGE_CSP, hsts: false },
      // A small team often shares one address (an office NAT): the per-IP ceiling is 10x the per-member one.
      limits: { perIp: { max: 12_000, windowMs: 60_000 }, perPrincipal: { max: 600, windowMs: 60_000 } },
      pages: webPages(),
      auth: { apiKeys },
      rbac: { roles: ROLES },
      audit,
      logger,
      routes: ROUTES,
    });
    gateway = gw;
    url = await gw.listen({ port: config.port ?? 8080, host: config.host ?? '127.0.0.1' });
    const m = monitor!;
    const o = ops!;
    const tick = async (): Promise<void> => {
      await m.evaluate();
      o.record();
    };
    void tick();
    const timer = setInterval(() => void tick(), config.monitorIntervalMs ?? 5000);
    timer.unref();
    const closeAudit = async (): Promise<void> => {
      clearInterval(timer);
      await audit.close();
    };
    return finish(closeAudit);
  }
  return finish(() => Promise.resolve());

  function finish(extraStop: () => Promise<void>): RunningApp {
    return {
      bus,
      host,
      composition: compositionOf(),
      gateway,
      url,
      firstAdminKey,
      sampleSite,
      monitor,
      apiKeys,
      issueKey(principal, role) {
        const { key } = apiKeys.issue(principal, { roles: [role] });
        persistKeys();
        return Promise.resolve(key);
      },
      async stop() {
        await gateway?.close();
        await extraStop();
        await host.stop();
        await bus.close();
        proc?.stop();
        await sampleSite?.close();
        unfollowKeys();
        unmark();
      },
    };
  }
}
