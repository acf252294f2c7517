/**
 * Runs a shell command and captures its output, for gates and builds. Output is capped so a noisy
 * test run cannot exhaust memory; the tail is what reports show.
 */
import { spawn } from 'node:child_process';

/** Result of {@link runCommand}. */
export interface CommandResult {
  readonly command: string;
  readonly code: number;
  readonly output: string;
  readonly durationMs: number;
}

const CAP = 256 * 1024;

/** Run `command` through the shell in `cwd`. Never throws for a non-zero exit. */
export function runCommand(command: string, cwd: string, env: Readonly<Record<string, string | undefined>> = process.env, timeoutMs = 600_000): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, { cwd, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (d: Buffer): void => {
      output += d.toString('utf8');
      if (output.length > CAP) output = output.slice(-CAP);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code: code ?? (signal ? 124 : 1), output, durationMs: Math.round(performance.now() - started) });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ command, code: 127, output: `${output}${e.message}`, durationMs: Math.round(performance.now() - started) });
    });
  });
}
