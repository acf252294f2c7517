/**
 * `cellular-triggers check`: the codebase and declared-fact triggers as a CI step. It measures once,
 * judges the rules once (a one-shot check has no `for` duration to wait out), prints a table, and
 * exits non-zero when a rule at or above the chosen severity fires.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { CellularError, toCellularError } from '@cellular/core';
import type { Cell } from '@cellular/core';
import { codebaseReportSignals, measureCodebase, type TokenizerEncoding } from './codebase.js';
import { factSignalsOf } from './facts.js';
import { checkRows, formatTable, type CheckRow } from './report.js';
import { DEFAULT_RULES, defineRules, type RuleInput } from './rule.js';
import { RuleEngine } from './rule-engine.js';
import { SIGNALS, type Signal } from './signal.js';

/** Options for {@link runCheck}. */
export interface CheckOptions {
  /** Repository root. Defaults to the current directory. */
  readonly root?: string;
  /** Units to measure (name -> dir). Defaults to packages/* and apps/*. */
  readonly units?: Readonly<Record<string, string>>;
  /** Cells whose declared facts are judged (or a module exporting a composition, see `compositionModule`). */
  readonly cells?: readonly Pick<Cell, 'name' | 'facts'>[];
  /** Path of a module exporting a composition (`{ cells }`) as `exportName`. */
  readonly compositionModule?: string;
  /** Export name in that module. Defaults to `composition`. */
  readonly exportName?: string;
  /** Rules. Defaults to the codebase and fact rules of {@link DEFAULT_RULES}. */
  readonly rules?: readonly RuleInput[];
  readonly contextWindowTokens?: number;
  readonly encoding?: TokenizerEncoding;
  /** Lowest severity that makes the check fail. Defaults to `critical`. */
  readonly failOn?: 'info' | 'warning' | 'critical';
}

/** Result of {@link runCheck}. */
export interface CheckResult {
  /** 0 ok, 1 a rule at or above `failOn` fires. */
  readonly exitCode: 0 | 1;
  readonly rows: readonly CheckRow[];
  readonly table: string;
  readonly signals: readonly Signal[];
}

const STATIC_SIGNALS = new Set<string>([
  SIGNALS.codeBytes,
  SIGNALS.codeTokens,
  SIGNALS.contextFraction,
  SIGNALS.untrusted,
  SIGNALS.multiTenant,
  SIGNALS.polyglot,
  SIGNALS.isolation,
]);

async function loadCells(path: string, exportName: string): Promise<readonly Pick<Cell, 'name' | 'facts'>[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new CellularError('INVALID_CONFIG', `Cannot load composition module ${path}: ${toCellularError(e).message}`, { cause: e });
  }
  const comp = mod[exportName] as { cells?: unknown } | undefined;
  if (!comp || !Array.isArray(comp.cells)) {
    throw new CellularError('INVALID_CONFIG', `Module ${path} has no export "${exportName}" with a cells array`, { data: { exportName } });
  }
  return comp.cells as Pick<Cell, 'name' | 'facts'>[];
}

/** Run the static (codebase and declared-fact) triggers once. */
export async function runCheck(options: CheckOptions = {}): Promise<CheckResult> {
  const rules = defineRules(options.rules ?? DEFAULT_RULES.filter((r) => STATIC_SIGNALS.has(r.signal))).map((r) => ({ ...r, for: 0 }));
  const report = await measureCodebase({
    root: options.root ?? process.cwd(),
    ...(options.units ? { units: options.units } : {}),
    ...(options.encoding ? { encoding: options.encoding } : {}),
  });
  const signals: Signal[] = codebaseReportSignals(report, options.contextWindowTokens);
  const cells = options.cells ?? (options.compositionModule ? await loadCells(options.compositionModule, options.exportName ?? 'composition') : []);
  signals.push(...factSignalsOf(cells));
  const transitions = new RuleEngine(rules).evaluate(signals, Date.now());
  const values = new Map(signals.map((s) => [`${s.name}\u0000${s.scope ?? ''}`, s.value]));
  const rows = checkRows(rules, values, transitions);
  const order = { info: 0, warning: 1, critical: 2 } as const;
  const failOn = order[options.failOn ?? 'critical'];
  const failing = rows.some((r) => r.state === 'firing' && order[r.severity] >= failOn);
  return { exitCode: failing ? 1 : 0, rows, table: formatTable(rows), signals };
}

const USAGE = `usage: cellular-triggers check [--root DIR] [--composition MODULE [--export NAME]]
                              [--rules FILE.json] [--context-window TOKENS] [--fail-on info|warning|critical] [--json]`;

/** CLI entry: returns the exit code (0 ok, 1 a trigger fires, 2 usage or configuration error). */
export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'check') {
    out(`${USAGE}\n`);
    return 2;
  }
  const opts: { -readonly [K in keyof CheckOptions]: CheckOptions[K] } = {};
  let json = false;
  try {
    for (let i = 0; i < rest.length; i++) {
      const flag = rest[i];
      const value = (): string => {
        const v = rest[++i];
        if (v === undefined) throw new CellularError('INVALID_CONFIG', `${flag} needs a value`);
        return v;
      };
      switch (flag) {
        case '--root':
          opts.root = value();
          break;
        case '--composition':
          opts.compositionModule = value();
          break;
        case '--export':
          opts.exportName = value();
          break;
        case '--rules':
          opts.rules = JSON.parse(await readFile(value(), 'utf8')) as RuleInput[];
          break;
        case '--context-window':
          opts.contextWindowTokens = Number(value());
          break;
        case '--fail-on': {
          const v = value();
          if (v !== 'info' && v !== 'warning' && v !== 'critical') throw new CellularError('INVALID_CONFIG', `--fail-on takes info, warning or critical`);
          opts.failOn = v;
          break;
        }
        case '--json':
          json = true;
          break;
        case undefined:
        default:
          throw new CellularError('INVALID_CONFIG', `unknown option ${String(flag)}`);
      }
    }
    const result = await runCheck(opts);
    if (json) out(`${JSON.stringify({ exitCode: result.exitCode, rows: result.rows }, null, 2)}\n`);
    else {
      out(`${result.table}\n\n`);
      const firing = result.rows.filter((r) => r.state === 'firing');
      out(firing.length === 0 ? 'No trigger fires: stay in one process.\n' : `${firing.length} trigger(s) firing.\n`);
    }
    return result.exitCode;
  } catch (e) {
    out(`cellular-triggers: ${toCellularError(e, 'INVALID_CONFIG').message}\n${USAGE}\n`);
    return 2;
  }
}
