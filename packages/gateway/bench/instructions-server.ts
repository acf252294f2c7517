// The server measured by bench/instructions.mjs: the bench route bare or through the gateway (this
// package's source, or the build in GATEWAY_DIST to compare two builds). Prints its URL, the request body and headers, and its pid.
import type * as GatewayModule from '../src/index.js';
import type { GatewayLayers } from './servers.js';
import { LAYERS, body, startBare, startGateway } from './servers.js';

const gw = (await import(process.env.GATEWAY_DIST ?? '../src/index.js')) as typeof GatewayModule;
// Audit batches of 512 as under the wall-clock bench's load (valgrind's pace would flush ~20 per 100 ms).
// Modes: bare, bare-headers (the gateway's header bytes), and the gateway with the layers below (see
// layers.bench.ts): core (without audit log, limits and authentication), core-audit, gateway (all of it).
const GATEWAY_MODES: Record<string, GatewayLayers> = {
  core: LAYERS.core,
  'core-audit': { ...LAYERS.audit, flushIntervalMs: 60_000 },
  gateway: { ...LAYERS.full, flushIntervalMs: 60_000 },
};
const mode = process.argv[2] ?? 'gateway';
const layers = GATEWAY_MODES[mode];
if (mode !== 'bare' && mode !== 'bare-headers' && layers === undefined) throw new Error(`unknown mode ${mode}`);
const server = layers === undefined ? await startBare({ headerBytes: mode === 'bare-headers' }) : await startGateway(gw, layers);
process.stdout.write(`${JSON.stringify({ url: server.url, body, headers: server.headers, pid: process.pid })}\n`);
