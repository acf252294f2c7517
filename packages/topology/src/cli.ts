/**
 * `cellular graph`: the command-line face of this package. It loads a composition module, builds its
 * topology and prints it, writes it between markers in a markdown file (`--write`), or fails when the
 * committed copy is stale (`--check`, for CI). It returns an exit code instead of calling
 * `process.exit`, and writes through an injected `io`, so tests run it in-process.
 *
 * Exit codes: 0 success, 1 `--check` found a stale diagram, 2 usage or input error.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CellularError, toCellularError } from '@cellular/core';
import { buildTopology } from './build-topology.js';
import { loadComposition } from './load-composition.js';
import { lineDiff, readMarkedBlock, renderMarkedBlock, replaceMarkedBlock } from './marked-block.js';
import { toMermaid } from './to-mermaid.js';

/** Where {@link runCli} writes and which directory it resolves paths against. */
export interface CliIo {
  /** Receives normal output. Defaults to `process.stdout`. */
  readonly stdout?: (text: string) => void;
  /** Receives errors and `--check` diffs. Defaults to `process.stderr`. */
  readonly stderr?: (text: string) => void;
  /** Base for relative paths. Defaults to `process.cwd()`. */
  readonly cwd?: string;
}

/** Usage text printed by `cellular --help`. */
export const USAGE = `Usage: cellular graph <module> [options]

Reads the composition a module exports (without starting it) and prints its topology.

Options:
  --export <name>        export holding the composition, or a function returning it
                         (default: composition, default, or the only composition export)
  --format <format>      mermaid (default) or json
  --direction <dir>      Mermaid flow direction: LR (default), TB, RL, BT
  --write <file>         write the diagram between the markers in <file> (needs --marker)
  --check <file>         exit 1 when the diagram between the markers in <file> is stale (needs --marker)
  --marker <name>        marker name: <!-- cellular-graph:<name>:start --> ... <!-- cellular-graph:<name>:end -->
  --condition <name>     extra Node.js import condition when loading a TypeScript module (repeatable;
                         default @cellular/source); --no-source-condition turns the default off
  -h, --help             show this help
`;

const FORMATS = ['mermaid', 'json'] as const;
const DIRECTIONS = ['LR', 'RL', 'TB', 'BT'] as const;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CellularError('INVALID_CONFIG', `--${flag} must be one of ${allowed.join(', ')}, got "${value}"`, { data: { flag, value } });
}

/**
 * Run the CLI with `argv` (without `node` and the script path, e.g. `['graph', 'src/composition.ts']`).
 * @returns The exit code: 0 ok, 1 stale diagram on `--check`, 2 usage or input error.
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => process.stdout.write(t));
  const stderr = io.stderr ?? ((t: string) => process.stderr.write(t));
  const cwd = io.cwd ?? process.cwd();
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        export: { type: 'string' },
        format: { type: 'string' },
        direction: { type: 'string' },
        write: { type: 'string' },
        check: { type: 'string' },
        marker: { type: 'string' },
        condition: { type: 'string', multiple: true },
        'no-source-condition': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      stdout(USAGE);
      return 0;
    }
    const [command, modulePath, ...rest] = positionals;
    if (command !== 'graph' || modulePath === undefined || rest.length > 0) {
      stderr(command === 'graph' ? `cellular graph needs exactly one module\n\n${USAGE}` : `Unknown command ${JSON.stringify(command ?? '')}\n\n${USAGE}`);
      return 2;
    }
    const format = oneOf(values.format, FORMATS, 'format') ?? 'mermaid';
    const direction = oneOf(values.direction, DIRECTIONS, 'direction');
    if (values.write !== undefined && values.check !== undefined) {
      stderr('Use either --write or --check, not both\n');
      return 2;
    }
    const target = values.write ?? values.check;
    if (target !== undefined && values.marker === undefined) {
      stderr(`--${values.write !== undefined ? 'write' : 'check'} needs --marker <name>\n`);
      return 2;
    }

    const composition = await loadComposition(modulePath, values.export === undefined ? { cwd } : { cwd, exportName: values.export });
    // Absolute paths in grants are written relative to the markdown file (or the cwd) so the output
    // is the same on every checkout.
    const topology = buildTopology(composition, { relativeTo: target === undefined ? cwd : dirname(resolve(cwd, target)) });
    const content = format === 'json' ? `${JSON.stringify(topology, null, 2)}\n` : toMermaid(topology, direction === undefined ? {} : { direction });
    if (target === undefined) {
      stdout(content);
      return 0;
    }

    const marker = values.marker!;
    const file = resolve(cwd, target);
    const markdown = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new CellularError('INVALID_CONFIG', `Cannot read ${target}: ${(e as Error).message}`, { data: { file }, cause: e });
    });
    const block = renderMarkedBlock(content, format, marker);
    if (values.write !== undefined) {
      const next = replaceMarkedBlock(markdown, marker, block, target);
      if (next !== markdown) await writeFile(file, next);
      stdout(next === markdown ? `${target}: diagram "${marker}" is already up to date\n` : `${target}: diagram "${marker}" updated\n`);
      return 0;
    }
    // A checkout with CRLF line endings (git autocrlf) is not a stale diagram.
    const committed = readMarkedBlock(markdown, marker, target).replace(/\r\n/gu, '\n');
    if (committed === block) {
      stdout(`${target}: diagram "${marker}" is up to date\n`);
      return 0;
    }
    stderr(
      `${target}: diagram "${marker}" is out of date with ${modulePath}.\n` +
        `Run: cellular graph ${modulePath} --write ${target} --marker ${marker}` +
        `${format === 'json' ? ' --format json' : ''}\n\n` +
        `--- committed\n+++ generated\n${lineDiff(committed, block)}\n`,
    );
    return 1;
  } catch (e) {
    const err = toCellularError(e, 'INVALID_CONFIG');
    stderr(`cellular: ${err.message}\n`);
    return 2;
  }
}
