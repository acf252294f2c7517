// Spawning the app (or a subset of its cells) as a separate process, the way an operator would:
// `CELLULAR_TRANSPORT=nats pnpm start -- --cells fetcher,summarizer`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const main = join(import.meta.dirname, '..', 'src', 'main.ts');

export interface AppProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in the output. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnApp(args: readonly string[], env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [tsxCli, '--conditions=@cellular/source', main, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    async waitFor(re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = re.exec(out);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${String(re)}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${String(re)}:\n${out}`);
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
