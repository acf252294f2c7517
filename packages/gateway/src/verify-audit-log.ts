/**
 * Verifies an audit chain written by {@link AuditLog}: every line's hash, every link to the previous
 * hash, consecutive sequence numbers, and (with the key) every signed checkpoint, so that a changed,
 * removed, inserted or reordered entry, and a log cut short before its last checkpoint, are all
 * reported with the line where the damage starts. Streams the file, so size is not a problem.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { KeyObject } from 'node:crypto';
import type { Checkpoint } from './internal/audit-format.js';
import { GENESIS, checkCheckpoint, parseCheckpoint, sha256Hex, splitEntry } from './internal/audit-format.js';

/** Kinds of problem {@link verifyAuditLog} reports. */
export type AuditProblemKind =
  | 'malformed'
  | 'hash-mismatch'
  | 'broken-link'
  | 'sequence-gap'
  | 'bad-checkpoint'
  | 'bad-signature'
  | 'checkpoint-mismatch'
  | 'truncated'
  | 'no-checkpoint';

/** One problem found. */
export interface AuditProblem {
  readonly kind: AuditProblemKind;
  /** 1-based line in the log (or in the checkpoint file for checkpoint problems). */
  readonly line: number;
  readonly message: string;
}

/** Options for {@link verifyAuditLog}. */
export interface VerifyAuditLogOptions {
  /** Ed25519 public key (or private key) or HMAC secret that checks checkpoints. Without it, checkpoints are not checked. */
  readonly key?: KeyObject | Uint8Array;
  /** Checkpoint file. Defaults to `<path>.checkpoints`. */
  readonly checkpointPath?: string;
  /** Stop collecting after this many problems. Defaults to 100. */
  readonly maxProblems?: number;
}

/** What {@link verifyAuditLog} found. */
export interface AuditVerification {
  /** True when no problem was found. */
  readonly ok: boolean;
  /** Entries read. */
  readonly entries: number;
  /** Last entry's sequence number and hash. */
  readonly head: { readonly seq: number; readonly hash: string };
  /** Checkpoints that verified. */
  readonly checkpoints: number;
  readonly problems: readonly AuditProblem[];
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const l of rl) yield l;
  } finally {
    rl.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Verify an audit log.
 *
 * @example
 * ```ts
 * const r = await verifyAuditLog('audit.jsonl', { key: publicKey });
 * if (!r.ok) for (const p of r.problems) console.error(p.line, p.kind, p.message);
 * ```
 */
export async function verifyAuditLog(path: string, options: VerifyAuditLogOptions = {}): Promise<AuditVerification> {
  const max = options.maxProblems ?? 100;
  const problems: AuditProblem[] = [];
  const report = (kind: AuditProblemKind, line: number, message: string): void => {
    if (problems.length < max) problems.push({ kind, line, message });
  };
  // seq -> hash for checkpoint checks; kept only for sequence numbers named by checkpoints.
  const cpPath = options.checkpointPath ?? `${path}.checkpoints`;
  const checkpoints: { cp: Checkpoint; line: number }[] = [];
  if (options.key !== undefined) {
    if (await exists(cpPath)) {
      let n = 0;
      let lastSeq = 0;
      for await (const l of lines(cpPath)) {
        n++;
        if (l === '') continue;
        const cp = parseCheckpoint(l);
        if (!cp) {
          report('bad-checkpoint', n, 'checkpoint line is not a checkpoint');
          continue;
        }
        if (!checkCheckpoint(options.key, cp)) {
          report('bad-signature', n, `checkpoint for seq ${cp.seq} has an invalid signature`);
          continue;
        }
        if (cp.seq < lastSeq) report('bad-checkpoint', n, `checkpoint seq ${cp.seq} goes back from ${lastSeq}`);
        lastSeq = Math.max(lastSeq, cp.seq);
        checkpoints.push({ cp, line: n });
      }
    }
  }
  const wanted = new Map<number, string[]>();
  for (const { cp } of checkpoints) wanted.set(cp.seq, [...(wanted.get(cp.seq) ?? []), cp.hash]);
  const seen = new Map<number, string>();

  let prev = GENESIS;
  let expectedSeq = 1;
  let entries = 0;
  let head = { seq: 0, hash: GENESIS };
  let lineNo = 0;
  for await (const l of lines(path)) {
    lineNo++;
    const parts = splitEntry(l);
    let rec: { seq?: unknown; prev?: unknown } | undefined;
    try {
      rec = parts ? (JSON.parse(parts.body) as { seq?: unknown; prev?: unknown }) : undefined;
    } catch {
      rec = undefined;
    }
    if (!parts || typeof rec !== 'object' || rec === null || typeof rec.seq !== 'number' || typeof rec.prev !== 'string') {
      report('malformed', lineNo, 'line is not an audit entry');
      // Resynchronise on the next line's own prev.
      prev = '';
      expectedSeq = -1;
      continue;
    }
    entries++;
    if (sha256Hex(parts.body) !== parts.hash) report('hash-mismatch', lineNo, `entry ${rec.seq} does not match its hash (changed)`);
    if (prev !== '' && rec.prev !== prev) report('broken-link', lineNo, `entry ${rec.seq} does not link to the entry before it (removed, inserted or reordered)`);
    if (expectedSeq !== -1 && rec.seq !== expectedSeq) report('sequence-gap', lineNo, `expected seq ${expectedSeq}, found ${rec.seq}`);
    if (wanted.has(rec.seq)) seen.set(rec.seq, parts.hash);
    prev = parts.hash;
    expectedSeq = rec.seq + 1;
    head = { seq: rec.seq, hash: parts.hash };
  }
  let good = 0;
  for (const { cp, line } of checkpoints) {
    const h = seen.get(cp.seq);
    if (h === undefined) {
      if (cp.seq > head.seq) report('truncated', line, `checkpoint names entry ${cp.seq} but the log ends at ${head.seq} (truncated)`);
      else report('checkpoint-mismatch', line, `checkpoint names entry ${cp.seq}, which is missing`);
    } else if (h !== cp.hash) {
      report('checkpoint-mismatch', line, `entry ${cp.seq} differs from its signed checkpoint (chain rewritten)`);
    } else good++;
  }
  if (options.key !== undefined && checkpoints.length === 0 && entries > 0) {
    report('no-checkpoint', 0, `no valid checkpoint found in ${cpPath}: truncation cannot be ruled out`);
  }
  return { ok: problems.length === 0, entries, head, checkpoints: good, problems };
}
