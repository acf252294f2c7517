import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/host-child.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

function runUntilReady(signal: NodeJS.Signals): Promise<{ lines: string[]; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@cellular/source', '--import', 'tsx', fixture], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    let buffered = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        lines.push(line);
        if (line.startsWith('READY')) child.kill(signal);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (!lines.some((l) => l.startsWith('READY'))) reject(new Error(`child never got ready: ${stderr}`));
      else resolve({ lines, code });
    });
  });
}

describe('cell host signal handling (child process)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: drains the in-flight handler, stops cells in reverse order, exits 0`, async () => {
      const { lines, code } = await runUntilReady(signal);
      expect(lines).toEqual([
        'start db',
        'start orders',
        'start web',
        'handling 1',
        'READY ["running","running","running"]',
        'stop web',
        'handled 1', // orders drains its in-flight handler before it stops
        'stop orders',
        'stop db',
        'STOPPED stopped bus=closed',
      ]);
      expect(code).toBe(0);
    }, 30_000);
  }
});
