/**
 * Runs every bus benchmark in turn (each prints a markdown table): fire-and-forget, request/reply and
 * publish cost versus number of subscriptions. `pnpm --filter @cellular/bus bench`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

for (const file of ['pubsub.bench.ts', 'request.bench.ts', 'subscriptions.bench.ts']) {
  const script = fileURLToPath(new URL(`./${file}`, import.meta.url));
  const r = spawnSync(process.execPath, [...process.execArgv, script], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
