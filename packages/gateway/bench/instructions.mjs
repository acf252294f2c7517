// Instructions per request of the server process alone:
//   node bench/instructions.mjs [bare|gateway] [warmup=3000] [measured=2000]
// starts bench/instructions-server.ts (through tsx, from source) under `valgrind --tool=callgrind --instr-atstart=no`, warms it
// up over real sockets (10 keep-alive connections, load generator outside valgrind), switches the
// instrumentation on for the measured requests only and prints instructions per request.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [mode = 'gateway', warmArg = '3000', countArg = '2000'] = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), 'gw-callgrind-'));
const server = spawn(
  'valgrind',
  ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(out, 'cg.%p')}`, process.execPath, '--conditions=@cellular/source', '--import', 'tsx', new URL('./instructions-server.ts', import.meta.url).pathname, mode],
  { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env } },
);
const first = await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve));
const { url, body, headers, pid } = JSON.parse(first);
const agent = new Agent({ keepAlive: true, maxSockets: 10 });
const one = () =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
async function send(n) {
  let next = 0;
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (next++ < n) await one();
  }));
}
await send(Number(warmArg));
execFileSync('callgrind_control', ['-i', 'on', String(pid)]);
await send(Number(countArg));
execFileSync('callgrind_control', ['-i', 'off', String(pid)]);
execFileSync('callgrind_control', ['-d', String(pid)]);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
agent.destroy();
let total = 0;
for (const f of readdirSync(out)) {
  // A dump states `summary:` in its head (0 when instrumentation started late) and `totals:` at its end.
  const m = /^totals:\s+(\d+)/m.exec(readFileSync(join(out, f), 'utf8'));
  if (m) total += Number(m[1]);
}
process.stdout.write(`${mode}: ${Math.round(total / Number(countArg)).toLocaleString('en')} instructions per request (${countArg} requests after ${warmArg}); callgrind output kept in ${out} (callgrind_annotate)\n`);
