/**
 * `pnpm ops <command>`: the reading room's runbooks as commands. Each works on a data directory (the
 * same default as `pnpm start`: `CELLULAR_DATA_DIR`, else `./data`; or `--data-dir`). Exit codes: 0 done,
 * 1 a check failed or the command was refused (with the reason), 2 bad usage or configuration.
 */
import { join, resolve } from 'node:path';
import { CellularError, toCellularError } from '@cellular/core';
import { verifyAuditLog } from '@cellular/gateway';
import { buildTopology, toMermaid } from '@cellular/topology';
import { defineRules, runCheck, type RuleInput } from '@cellular/triggers';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { ROLES } from '../app.js';
import { composition } from '../composition.js';
import { DATA_FILES, defaultDataDir } from '../data-dir.js';
import { backup, restore, verifyBackup } from './backup.js';
import { issueApiKey, keyringIds, rotateApiKey, rotateEncryptionKey } from './keys.js';

/** Where a command writes. */
export interface OpsIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The usage text. */
export const OPS_USAGE = `usage: pnpm ops <command> [--data-dir DIR] [options]

  backup --to DIR [--include-key]     consistent online copy of the data + manifest.json (sha256 of each file)
  restore --from DIR                  check the manifest, refuse while the app runs, put the backup in place
  verify-backup --from DIR            check a backup's checksums only
  issue-key <principal> <role>        issue an API key (role: ${Object.keys(ROLES).join(' | ')})
  rotate-api-key <principal> [--role R]  issue a new key, revoke the old ones (a running app follows)
  rotate-encryption-key [--keep-old]  new content key; re-seal every document; drop the old key when done
  verify-audit [--file PATH]          check the audit log's hash chain
  topology [--format mermaid|json]    the topology generated from the composition
  check-triggers [--root DIR] [--rules FILE.json] [--fail-on info|warning|critical] [--json]
                                      the codebase and declared-fact triggers, as in CI`;

interface Parsed {
  readonly command: string | undefined;
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--data-dir', '--to', '--from', '--role', '--file', '--format', '--root', '--rules', '--fail-on']);
const BOOLEAN_FLAGS = new Set(['--include-key', '--keep-old', '--json']);

/** A usage error: exit code 2. */
const usage = (message: string): CellularError => new CellularError('VALIDATION', message, { data: { usage: true } });
const isUsage = (e: CellularError): boolean => e.code === 'INVALID_CONFIG' || e.data?.usage === true;

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (VALUE_FLAGS.has(a)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw usage(`${a} needs a value`);
      flags.set(a, v);
    } else if (BOOLEAN_FLAGS.has(a)) flags.set(a, true);
    else if (a.startsWith('-')) throw usage(`unknown option ${a}`);
    else positional.push(a);
  }
  return { command: positional.shift(), positional, flags };
}

function only(p: Parsed, allowed: readonly string[], positional: number): void {
  for (const f of p.flags.keys()) if (f !== '--data-dir' && !allowed.includes(f)) throw usage(`${p.command ?? ''} does not take ${f}`);
  if (p.positional.length !== positional) throw usage(`${p.command ?? ''} takes ${positional} argument(s), got ${p.positional.length}`);
}

function str(p: Parsed, flag: string): string | undefined {
  const v = p.flags.get(flag);
  return typeof v === 'string' ? v : undefined;
}

/** Flags whose values are paths: relative ones are taken from where the user typed the command (`pnpm` runs scripts in the package folder but sets INIT_CWD). */
const PATH_FLAGS = new Set(['--data-dir', '--to', '--from', '--file', '--root', '--rules']);

function required(p: Parsed, flag: string): string {
  const v = str(p, flag);
  if (v === undefined) throw usage(`${p.command ?? ''} needs ${flag} <value>`);
  return v;
}

/** Repository root (for the codebase triggers). */
const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');

type Command = (p: Parsed, dataDir: string, io: OpsIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  backup: (p, dataDir, io) => {
    only(p, ['--to', '--include-key'], 0);
    const to = required(p, '--to');
    const m = backup(dataDir, to, { includeKey: p.flags.has('--include-key') });
    for (const f of m.files) io.out(`  ${f.name.padEnd(24)} ${String(f.bytes).padStart(10)} B  sha256 ${f.sha256.slice(0, 16)}…`);
    io.out(`Backed up ${m.files.length} file(s) from ${dataDir} to ${to} (manifest.json).`);
    if (m.encryptionKeyIds.length > 0 && !p.flags.has('--include-key')) {
      io.out(`Document content is sealed with key(s) ${m.encryptionKeyIds.join(', ')}: keep ${DATA_FILES.encryptionKeys} safe apart from this backup.`);
    }
    return Promise.resolve(0);
  },
  'verify-backup': (p, _dataDir, io) => {
    only(p, ['--from'], 0);
    const from = required(p, '--from');
    const m = verifyBackup(from);
    io.out(`Backup ${from} (${m.createdAt}) is intact: ${m.files.length} file(s) match manifest.json.`);
    return Promise.resolve(0);
  },
  restore: (p, dataDir, io) => {
    only(p, ['--from'], 0);
    const from = required(p, '--from');
    const { manifest, setAside } = restore(dataDir, from);
    io.out(`Checked ${manifest.files.length} file(s) against manifest.json and restored them into ${dataDir}.`);
    if (setAside) io.out(`The files they replaced are in ${setAside}.`);
    const have = keyringIds(dataDir, io.env);
    const missing = manifest.encryptionKeyIds.filter((k) => !have.includes(k));
    if (missing.length > 0) {
      io.err(`Restored, but the library is sealed with key(s) ${missing.join(', ')} that the keyring lacks: put them in ${DATA_FILES.encryptionKeys} before starting.`);
      return Promise.resolve(1);
    }
    io.out('Start the app to serve the restored data.');
    return Promise.resolve(0);
  },
  'issue-key': (p, dataDir, io) => {
    only(p, [], 2);
    const [principal = '', role = ''] = p.positional;
    if (!(role in ROLES)) throw usage(`role must be one of ${Object.keys(ROLES).join(', ')} (got "${role}")`);
    const { key, id } = issueApiKey(dataDir, principal, [role]);
    io.out(`Issued key ${id} for ${principal} (${role}). The key (shown once, stored only as a hash):`);
    io.out(key);
    return Promise.resolve(0);
  },
  'rotate-api-key': (p, dataDir, io) => {
    only(p, ['--role'], 1);
    const role = str(p, '--role');
    if (role !== undefined && !(role in ROLES)) throw usage(`--role must be one of ${Object.keys(ROLES).join(', ')}`);
    const principal = p.positional[0]!;
    const r = rotateApiKey(dataDir, principal, role === undefined ? undefined : [role]);
    io.out(`Issued key ${r.id} for ${principal}; revoked ${r.revoked.length === 0 ? 'none' : r.revoked.join(', ')}. A running app applies this within a second.`);
    io.out('The new key (shown once, stored only as a hash):');
    io.out(r.key);
    return Promise.resolve(0);
  },
  'rotate-encryption-key': (p, dataDir, io) => {
    only(p, ['--keep-old'], 0);
    const r = rotateEncryptionKey(dataDir, io.env, { keepOld: p.flags.has('--keep-old') });
    io.out(`New content key ${r.newKeyId}: ${r.rewritten} of ${r.rows} document(s) re-sealed.`);
    if (r.retiredKeyIds.length === 0) io.out('Encryption at rest is now on.');
    else io.out(r.keptOld ? `Old key(s) ${r.retiredKeyIds.join(', ')} kept for reading (older backups).` : `Old key(s) ${r.retiredKeyIds.join(', ')} dropped: backups made before need the previous keyring.`);
    if (r.envValue !== undefined) {
      io.out('Set this before the next start (shown once):');
      io.out(`CELLULAR_ENCRYPTION_KEY=${r.envValue}`);
    } else io.out(`Keyring: ${join(dataDir, DATA_FILES.encryptionKeys)} (a running app follows it).`);
    return Promise.resolve(0);
  },
  'verify-audit': async (p, dataDir, io) => {
    only(p, ['--file'], 0);
    const file = str(p, '--file') ?? join(dataDir, DATA_FILES.audit);
    if (!existsSync(file)) throw new CellularError('NOT_FOUND', `No audit log at ${file}`);
    const r = await verifyAuditLog(file);
    if (r.ok) {
      io.out(`Audit log ${file} is intact: ${r.entries} entries, head #${r.head.seq} ${r.head.hash.slice(0, 16)}…`);
      io.out('(Hash chain checked; the app writes no signed checkpoints, so a cut-off tail cannot be detected.)');
      return 0;
    }
    io.err(`Audit log ${file} FAILED verification (${r.entries} entries read):`);
    for (const pr of r.problems) io.err(`  line ${pr.line}: ${pr.kind}: ${pr.message}`);
    return 1;
  },
  topology: (p, _dataDir, io) => {
    only(p, ['--format'], 0);
    const format = str(p, '--format') ?? 'mermaid';
    if (format !== 'mermaid' && format !== 'json') throw usage('--format must be mermaid or json');
    const t = buildTopology(composition);
    io.out(format === 'json' ? JSON.stringify(t, null, 2) : toMermaid(t));
    return Promise.resolve(0);
  },
  'check-triggers': async (p, _dataDir, io) => {
    only(p, ['--root', '--rules', '--fail-on', '--json'], 0);
    const failOn = str(p, '--fail-on') ?? 'critical';
    if (failOn !== 'info' && failOn !== 'warning' && failOn !== 'critical') throw usage('--fail-on must be info, warning or critical');
    const rulesFile = str(p, '--rules');
    let rules: RuleInput[] | undefined;
    if (rulesFile !== undefined) {
      try {
        rules = JSON.parse(await readFile(rulesFile, 'utf8')) as RuleInput[];
        defineRules(rules);
      } catch (e) {
        throw usage(`cannot read rules from ${rulesFile}: ${toCellularError(e).message}`);
      }
    }
    const r = await runCheck({ root: str(p, '--root') ?? REPO_ROOT, cells: composition.cells, failOn, ...(rules ? { rules } : {}) });
    if (p.flags.has('--json')) io.out(JSON.stringify({ exitCode: r.exitCode, rows: r.rows }, null, 2));
    else {
      io.out(r.table);
      const firing = r.rows.filter((row) => row.state === 'firing');
      io.out(firing.length === 0 ? 'No trigger fires: stay in one process.' : `${firing.length} trigger(s) firing (fail on ${failOn} and above).`);
    }
    return r.exitCode;
  },
};

/** Run one runbook command; returns the exit code (0 ok, 1 failed or refused, 2 bad usage or configuration). */
export async function runOps(argv: readonly string[], io: OpsIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (e) {
    const err = toCellularError(e);
    io.err(`ops: ${err.code}: ${err.message}\n${OPS_USAGE}`);
    return 2;
  }
  if (p.command === undefined || p.command === 'help' || !(p.command in COMMANDS)) {
    if (p.command !== undefined && p.command !== 'help') io.err(`ops: VALIDATION: unknown command "${p.command}"`);
    io.err(OPS_USAGE);
    return p.command === 'help' ? 0 : 2;
  }
  const base = io.env.INIT_CWD ?? io.cwd;
  for (const [flag, v] of p.flags) if (PATH_FLAGS.has(flag) && typeof v === 'string') p.flags.set(flag, resolve(base, v));
  const dataDir = str(p, '--data-dir') ?? defaultDataDir(io.env, io.cwd);
  try {
    return await COMMANDS[p.command]!(p, dataDir, io);
  } catch (e) {
    const err = toCellularError(e);
    io.err(`ops ${p.command}: ${err.code}: ${err.message}`);
    if (err.data?.usage === true) io.err('Run `pnpm ops help` for usage.');
    return isUsage(err) ? 2 : 1;
  }
}
