/**
 * `genops.lock`: what a package's code was generated from. Per package it pins the provider, the
 * exact dated model id, the sampling settings, the tokenizer and its version, the hashes of the
 * prompt template and of the spec, and the hash of the generated sources. `checkLock` fails when the
 * code no longer matches (hand edits after generation), or when the spec, template, tokenizer or
 * model moved. The file is JSON validated by zod; moving model aliases are refused at pin time and
 * at check time.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { CellularError } from '@cellular/core';
import { hashFiles, packageSourceFiles, sha256 } from './hashing.js';
import { movingAliasReason } from './model-id.js';
import type { ModelIdPolicy } from './model-id.js';
import { PROMPT_TEMPLATE_HASH, PROMPT_TEMPLATE_ID } from './prompt-template.js';
import { readPackageJson } from './package-tree.js';

/** Tokenizer used for budgets; pinned so estimates stay comparable. */
export const TOKENIZER = { name: 'gpt-tokenizer', encoding: 'o200k_base' } as const;

/** The installed gpt-tokenizer version. */
export function tokenizerVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('gpt-tokenizer/package.json') as { version: string }).version;
}

/** Provider protocols genops speaks. */
export const PROVIDERS = ['openai', 'anthropic'] as const;

/** Zod schema of one package's lock entry. */
export const LockEntrySchema = z.object({
  provider: z.enum(PROVIDERS),
  model: z.string().min(1),
  baseUrl: z.url().optional(),
  sampling: z.object({
    temperature: z.number().min(0).max(2),
    seed: z.number().int().optional(),
    maxTokens: z.number().int().positive(),
  }),
  tokenizer: z.object({ name: z.string(), encoding: z.string(), version: z.string() }),
  promptTemplate: z.object({ id: z.string(), hash: z.string() }),
  spec: z.object({ path: z.string(), hash: z.string() }),
  sources: z.object({ hash: z.string(), files: z.number().int().nonnegative() }),
});

/** Zod schema of `genops.lock`. */
export const LockfileSchema = z.object({
  lockfileVersion: z.literal(1),
  packages: z.record(z.string(), LockEntrySchema),
});

/** One package's lock entry. */
export type LockEntry = z.infer<typeof LockEntrySchema>;
/** The whole lock file. */
export type Lockfile = z.infer<typeof LockfileSchema>;

/** Read a lock file; a missing file is an empty lock. Invalid content is INVALID_CONFIG. */
export function readLock(file: string): Lockfile {
  if (!existsSync(file)) return { lockfileVersion: 1, packages: {} };
  const parsed = LockfileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new CellularError('INVALID_CONFIG', `${file}: ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`, { data: { file } });
  }
  return parsed.data;
}

/** Write a lock file with sorted package keys. */
export function writeLock(file: string, lock: Lockfile): void {
  const packages = Object.fromEntries(Object.keys(lock.packages).sort().map((k) => [k, lock.packages[k]]));
  writeFileSync(file, `${JSON.stringify({ lockfileVersion: 1, packages }, null, 2)}\n`);
}

/** What {@link pinPackage} pins. */
export interface PinOptions {
  readonly root: string;
  readonly lockFile: string;
  readonly pkgDir: string;
  readonly specFile: string;
  readonly provider: LockEntry['provider'];
  readonly model: string;
  readonly baseUrl?: string;
  /** Defaults to 0. */
  readonly temperature?: number;
  readonly seed?: number;
  /** Defaults to 16000. */
  readonly maxTokens?: number;
  readonly policy?: ModelIdPolicy;
}

const posix = (p: string): string => p.split(sep).join('/');

/** Compute the lock entry of a package as it is now. */
export function computeEntry(o: PinOptions): LockEntry {
  const reason = movingAliasReason(o.model, o.policy);
  if (reason !== undefined) throw new CellularError('INVALID_CONFIG', `Refusing to pin: ${reason}`, { data: { model: o.model } });
  const specPath = resolve(o.specFile);
  if (!existsSync(specPath)) throw new CellularError('NOT_FOUND', `Spec ${o.specFile} not found`, { data: { spec: o.specFile } });
  const files = packageSourceFiles(o.pkgDir);
  return {
    provider: o.provider,
    model: o.model,
    ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
    sampling: { temperature: o.temperature ?? 0, ...(o.seed !== undefined ? { seed: o.seed } : {}), maxTokens: o.maxTokens ?? 16000 },
    tokenizer: { ...TOKENIZER, version: tokenizerVersion() },
    promptTemplate: { id: PROMPT_TEMPLATE_ID, hash: PROMPT_TEMPLATE_HASH },
    spec: { path: posix(relative(o.root, specPath)), hash: sha256(readFileSync(specPath)) },
    sources: { hash: hashFiles(o.pkgDir, files), files: files.length },
  };
}

/** Pin a package: compute its entry and write it into the lock. Returns the entry. */
export function pinPackage(o: PinOptions): LockEntry {
  const entry = computeEntry(o);
  const lock = readLock(o.lockFile);
  const name = readPackageJson(o.pkgDir).name ?? posix(relative(o.root, o.pkgDir));
  writeLock(o.lockFile, { lockfileVersion: 1, packages: { ...lock.packages, [name]: entry } });
  return entry;
}

/** What the configuration says a package should be generated from. */
export interface ExpectedGeneration {
  readonly spec?: string | undefined;
  readonly provider?: string | undefined;
  readonly model?: string | undefined;
}

/** Result of checking one package against the lock. */
export interface LockCheck {
  readonly package: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/**
 * Check packages against the lock: sources, spec, prompt template and tokenizer hashes, and the model
 * policy. `pkgDirs` maps package names to directories.
 */
export function checkLock(
  root: string,
  lockFile: string,
  pkgDirs: ReadonlyMap<string, string>,
  policy?: ModelIdPolicy,
  expected: Readonly<Record<string, ExpectedGeneration>> = {},
): LockCheck[] {
  const lock = readLock(lockFile);
  const out: LockCheck[] = [];
  for (const [name, entry] of Object.entries(lock.packages)) {
    const dir = pkgDirs.get(name);
    const problems: string[] = [];
    if (dir === undefined) {
      out.push({ package: name, ok: false, problems: [`package ${name} is in the lock but was not found`] });
      continue;
    }
    const files = packageSourceFiles(dir);
    const now = hashFiles(dir, files);
    if (now !== entry.sources.hash) problems.push(`sources changed since generation (${entry.sources.hash.slice(0, 19)}… -> ${now.slice(0, 19)}…): regenerate or re-pin`);
    const specPath = join(root, entry.spec.path);
    if (!existsSync(specPath)) problems.push(`spec ${entry.spec.path} is missing`);
    else if (sha256(readFileSync(specPath)) !== entry.spec.hash) problems.push(`spec ${entry.spec.path} changed since generation: regenerate`);
    if (entry.promptTemplate.hash !== PROMPT_TEMPLATE_HASH) problems.push(`prompt template changed (${entry.promptTemplate.id} -> ${PROMPT_TEMPLATE_ID})`);
    if (entry.tokenizer.version !== tokenizerVersion()) problems.push(`tokenizer ${entry.tokenizer.name} is ${tokenizerVersion()}, lock says ${entry.tokenizer.version}`);
    const reason = movingAliasReason(entry.model, policy);
    if (reason !== undefined) problems.push(`model: ${reason}`);
    const want = expected[name];
    if (want?.spec !== undefined && want.spec !== entry.spec.path) problems.push(`lock was generated from spec ${entry.spec.path}, config says ${want.spec}: regenerate`);
    if (want?.model !== undefined && want.model !== entry.model) problems.push(`lock pins model ${entry.model}, config says ${want.model}: regenerate and re-pin`);
    if (want?.provider !== undefined && want.provider !== entry.provider) problems.push(`lock pins provider ${entry.provider}, config says ${want.provider}`);
    out.push({ package: name, ok: problems.length === 0, problems });
  }
  return out;
}
