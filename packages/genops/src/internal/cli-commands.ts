/**
 * The CLI commands around pinning, budgets and regeneration (pin, check, estimate, verify,
 * regenerate, patch). cli.ts dispatches to them; each returns an exit code (0 ok, 1 check failed,
 * 2 usage/config error).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CellularError } from '@cellular/core';
import type { CliIo } from '../cli.js';
import { findRoot, loadConfig } from '../genops-config.js';
import { checkLock, pinPackage, PROVIDERS, readLock } from '../lockfile.js';
import type { LockEntry } from '../lockfile.js';
import { readPackageJson } from '../package-tree.js';
import { estimateRequest } from '../budget.js';
import { buildRequest, formatRegenerateMarkdown, regenerate } from '../regenerate.js';
import { verifyReproducible } from '../verify.js';
import { createOpenAIProvider } from '../providers/openai-provider.js';
import { createAnthropicProvider } from '../providers/anthropic-provider.js';
import { createRecordingProvider, createReplayProvider } from '../providers/replay-provider.js';
import type { Provider } from '../providers/provider.js';

/** A CLI command: argv after the command name, returns an exit code. */
export type CliCommand = (args: string[], io: CliIo) => Promise<number>;

const lines = (io: CliIo) => ({
  out: (s: string): void => {
    io.stdout(`${s}\n`);
  },
  err: (s: string): void => {
    io.stderr(`${s}\n`);
  },
});

function workspacePackages(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory() && existsSync(join(p, 'package.json'))) out.set(readPackageJson(p).name ?? d.name, p);
    }
  }
  return out;
}

const pin: CliCommand = (args, io) => {
  const { out, err } = lines(io);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      spec: { type: 'string' },
      provider: { type: 'string' },
      model: { type: 'string' },
      'base-url': { type: 'string' },
      temperature: { type: 'string', default: '0' },
      seed: { type: 'string' },
      'max-tokens': { type: 'string', default: '16000' },
    },
  });
  const dir = positionals[0];
  if (dir === undefined || values.spec === undefined || values.model === undefined || values.provider === undefined) {
    err('pin: usage: genops pin <pkgDir> --spec <file> --provider openai|anthropic --model <dated id> [--temperature 0] [--seed n]');
    return Promise.resolve(2);
  }
  if (!(PROVIDERS as readonly string[]).includes(values.provider)) {
    err(`pin: --provider must be one of ${PROVIDERS.join(', ')}`);
    return Promise.resolve(2);
  }
  const cwd = io.cwd ?? process.cwd();
  const pkgDir = resolve(cwd, dir);
  const root = findRoot(pkgDir);
  const config = loadConfig(root);
  const entry = pinPackage({
    root,
    lockFile: join(root, config.lockFile),
    pkgDir,
    specFile: resolve(cwd, values.spec),
    provider: values.provider as LockEntry['provider'],
    model: values.model,
    ...(values['base-url'] !== undefined ? { baseUrl: values['base-url'] } : {}),
    temperature: Number(values.temperature),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    maxTokens: Number(values['max-tokens']),
    policy: config,
  });
  out(`pinned ${readPackageJson(pkgDir).name ?? dir} to ${entry.provider}:${entry.model} in ${config.lockFile}`);
  return Promise.resolve(0);
};

const check: CliCommand = (args, io) => {
  const { out, err } = lines(io);
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const cwd = io.cwd ?? process.cwd();
  const root = findRoot(positionals[0] !== undefined ? resolve(cwd, positionals[0]) : cwd);
  const config = loadConfig(root);
  const pkgs = workspacePackages(root);
  const only = new Set(positionals.map((p) => readPackageJson(resolve(cwd, p)).name ?? p));
  const results = checkLock(root, join(root, config.lockFile), pkgs, config, config.packages).filter((r) => only.size === 0 || only.has(r.package));
  if (results.length === 0) out(`no packages pinned in ${config.lockFile}`);
  for (const r of results) {
    if (r.ok) out(`${r.package}: ok`);
    else for (const p of r.problems) err(`${r.package}: ${p}`);
  }
  return Promise.resolve(results.every((r) => r.ok) ? 0 : 1);
};

function lockEntryFor(root: string, lockFile: string, pkgDir: string): LockEntry {
  const name = readPackageJson(pkgDir).name ?? pkgDir;
  const entry = readLock(join(root, lockFile)).packages[name];
  if (!entry) throw new CellularError('INVALID_CONFIG', `${name} is not pinned: run genops pin first`, { data: { package: name } });
  return entry;
}

const estimate: CliCommand = (args, io) => {
  const { out, err } = lines(io);
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { spec: { type: 'string' }, patch: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
  if (positionals[0] === undefined || values.spec === undefined) {
    err('estimate: usage: genops estimate <pkgDir> --spec <file> [--patch]');
    return Promise.resolve(2);
  }
  const cwd = io.cwd ?? process.cwd();
  const pkgDir = resolve(cwd, positionals[0]);
  const root = findRoot(pkgDir);
  const config = loadConfig(root);
  const entry = lockEntryFor(root, config.lockFile, pkgDir);
  const price = config.pricing[entry.model];
  if (!price) throw new CellularError('INVALID_CONFIG', `No price for ${entry.model} in genops.config.json`, { data: { model: entry.model } });
  const { request, expectedOutputTokens } = buildRequest(pkgDir, resolve(cwd, values.spec), entry, values.patch ? 'patch' : 'regenerate');
  const est = estimateRequest(request, price, expectedOutputTokens);
  if (values.json) out(JSON.stringify({ model: entry.model, ...est, budgets: config.budgets }, null, 2));
  else {
    out(`model ${entry.model}: ${est.inputTokens} input tokens (${entry.tokenizer.name} ${entry.tokenizer.encoding})`);
    out(`expected ~${est.expectedOutputTokens} output tokens: $${est.expectedUsd.toFixed(4)}; worst case (${est.maxOutputTokens} output tokens): $${est.worstCaseUsd.toFixed(4)}`);
    out(`budget per run: $${config.budgets.perRunUsd}, per package: $${config.budgets.perPackageUsd}`);
  }
  return Promise.resolve(est.worstCaseUsd > config.budgets.perRunUsd ? 1 : 0);
};

const verify: CliCommand = async (args, io) => {
  const { out, err } = lines(io);
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { build: { type: 'string' }, pack: { type: 'string' }, json: { type: 'boolean', default: false } } });
  if (positionals[0] === undefined) {
    err('verify: usage: genops verify <pkgDir> [--build <cmd>] [--pack <cmd with {dest}>]');
    return 2;
  }
  const r = await verifyReproducible(resolve(io.cwd ?? process.cwd(), positionals[0]), {
    ...(values.build !== undefined ? { buildCommand: values.build } : {}),
    ...(values.pack !== undefined ? { packCommand: values.pack } : {}),
  });
  if (values.json) out(JSON.stringify(r, null, 2));
  else {
    out(`${r.reproducible ? 'reproducible' : 'NOT reproducible'} (SOURCE_DATE_EPOCH=${r.sourceDateEpoch}): ${r.tarballs[0]} vs ${r.tarballs[1]}`);
    for (const d of r.differences) out(`  differs: ${d.file} (${d.first ?? 'missing'} vs ${d.second ?? 'missing'})`);
  }
  return r.reproducible ? 0 : 1;
};

function providerFrom(entry: LockEntry, env: Readonly<Record<string, string | undefined>>, replay?: string, record?: string): Provider {
  if (replay !== undefined) return createReplayProvider(replay);
  const live =
    entry.provider === 'anthropic'
      ? createAnthropicProvider({ ...(entry.baseUrl !== undefined ? { baseUrl: entry.baseUrl } : {}), ...(env.ANTHROPIC_API_KEY ? { apiKey: env.ANTHROPIC_API_KEY } : {}) })
      : createOpenAIProvider({ ...(entry.baseUrl !== undefined ? { baseUrl: entry.baseUrl } : {}), ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}) });
  return record !== undefined ? createRecordingProvider(live, record) : live;
}

const regen =
  (mode: 'regenerate' | 'patch'): CliCommand =>
  async (args, io) => {
    const { out, err } = lines(io);
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        spec: { type: 'string' },
        'allow-breaking': { type: 'boolean', default: false },
        replay: { type: 'string' },
        record: { type: 'string' },
        'report-dir': { type: 'string' },
        'run-id': { type: 'string' },
        typecheck: { type: 'string' },
        lint: { type: 'string' },
        test: { type: 'string' },
        e2e: { type: 'string' },
        cleanup: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals[0] === undefined || values.spec === undefined) {
      err(`${mode}: usage: genops ${mode} <pkgDir> --spec <file> [--allow-breaking] [--replay <dir> | --record <dir>]`);
      return 2;
    }
    const cwd = io.cwd ?? process.cwd();
    const pkgDir = resolve(cwd, positionals[0]);
    const root = findRoot(pkgDir);
    const config = loadConfig(root);
    const entry = lockEntryFor(root, config.lockFile, pkgDir);
    const report = await regenerate({
      root,
      pkgDir,
      specFile: resolve(cwd, values.spec),
      provider: providerFrom(entry, io.env ?? process.env, values.replay === undefined ? undefined : resolve(cwd, values.replay), values.record === undefined ? undefined : resolve(cwd, values.record)),
      config,
      mode,
      allowBreaking: values['allow-breaking'],
      cleanup: values.cleanup,
      lockEntry: entry,
      gates: {
        ...(values.typecheck !== undefined ? { typecheck: values.typecheck } : {}),
        ...(values.lint !== undefined ? { lint: values.lint } : {}),
        ...(values.test !== undefined ? { test: values.test } : {}),
        ...(values.e2e !== undefined ? { e2e: values.e2e } : {}),
      },
      ...(values['report-dir'] !== undefined ? { reportDir: resolve(cwd, values['report-dir']) } : {}),
      ...(values['run-id'] !== undefined ? { runId: values['run-id'] } : {}),
    });
    out(values.json ? JSON.stringify(report, null, 2) : formatRegenerateMarkdown(report));
    return report.status === 'passed' ? 0 : 1;
  };

/** Commands by name. */
export const cliCommands: Readonly<Record<string, CliCommand | undefined>> = {
  pin,
  check,
  estimate,
  verify,
  regenerate: regen('regenerate'),
  patch: regen('patch'),
};
