/**
 * `pnpm start`: the reading room in one process on embedded defaults (in-memory bus, SQLite under
 * ./data), or a subset of cells on NATS/Redis:
 *   CELLULAR_TRANSPORT=nats pnpm start -- --cells fetcher,summarizer
 * Environment: PORT (8080), HOST (127.0.0.1), CELLULAR_DATA_DIR (./data), CELLULAR_TRANSPORT
 * (memory|nats|redis), NATS_URL, REDIS_URL, CELLULAR_SAMPLE_SITE=0 to not start the sample site.
 * Summaries through a model: CELLULAR_SUMMARY_PROVIDER (openai|anthropic|replay), CELLULAR_SUMMARY_MODEL
 * and the rest listed in src/cells/summarizer/genops-summary.ts; otherwise the offline extractive summary.
 */
import { join } from 'node:path';
import type { Logger } from '@cellular/core';
import { CELL_NAMES, startApp, type AppConfig } from './app.js';
import { genopsSummaryFromEnv } from './cells/summarizer/summarizer-cell.js';

function parseArgs(argv: readonly string[]): { cells?: string[]; port?: number } {
  const out: { cells?: string[]; port?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cells') out.cells = (argv[++i] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--port') out.port = Number(argv[++i]);
  }
  return out;
}

const line = (level: string, m: string, d?: Record<string, unknown>): string => `[${level}] ${m}${d ? ` ${JSON.stringify(d)}` : ''}`;
const consoleLogger: Logger = {
  debug: () => undefined,
  info: (m, d) => {
    console.log(line('info', m, d));
  },
  warn: (m, d) => {
    console.warn(line('warn', m, d));
  },
  error: (m, d) => {
    console.error(line('error', m, d));
  },
};

const args = parseArgs(process.argv.slice(2));
const transport = (process.env.CELLULAR_TRANSPORT ?? 'memory') as NonNullable<AppConfig['transport']>;
if (!['memory', 'nats', 'redis'].includes(transport)) {
  console.error(`CELLULAR_TRANSPORT must be memory, nats or redis (got ${transport})`);
  process.exit(2);
}
for (const c of args.cells ?? []) {
  if (!(CELL_NAMES as readonly string[]).includes(c)) {
    console.error(`Unknown cell "${c}"; cells: ${CELL_NAMES.join(', ')}`);
    process.exit(2);
  }
}

const dataDir = process.env.CELLULAR_DATA_DIR ?? join(process.cwd(), 'data');
let summary: ReturnType<typeof genopsSummaryFromEnv>;
try {
  summary = genopsSummaryFromEnv(process.env, dataDir);
} catch (e) {
  console.error(`Summary model: ${(e as Error).message}`);
  process.exit(2);
}

const app = await startApp({
  dataDir,
  ...(summary ? { summaryModel: summary.summaryModel, summaryModelName: summary.summaryModelName } : {}),
  transport,
  ...(process.env.NATS_URL ? { natsUrl: process.env.NATS_URL } : {}),
  ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
  ...(args.cells ? { cells: args.cells } : {}),
  port: args.port ?? Number(process.env.PORT ?? 8080),
  host: process.env.HOST ?? '127.0.0.1',
  sampleSite: process.env.CELLULAR_SAMPLE_SITE !== '0',
  logger: consoleLogger,
});

console.log(`Reading room running (${transport}; cells: ${(args.cells ?? CELL_NAMES).join(', ')})`);
console.log(`  Summaries: ${summary ? `${summary.summaryModelName} via genops (ledger ${summary.ledgerFile}), extractive on failure` : 'offline extractive'}`);
if (app.url) console.log(`  Open ${app.url}`);
if (app.firstAdminKey) console.log(`  First admin API key (shown once, stored only as a hash): ${app.firstAdminKey}`);
else if (app.url) console.log('  Admin key: printed at first start; issue another with `pnpm ops issue-key <name> admin`');
if (app.sampleSite) console.log(`  Sample site to submit: ${app.sampleSite.articles[0]}`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`${signal}: stopping…`);
  app.stop().then(
    () => {
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => {
  stop('SIGINT');
});
process.on('SIGTERM', () => {
  stop('SIGTERM');
});
