/**
 * `@cellular/genops`: governed regeneration. Semantic API and contract diff with the bump each change
 * requires, API baselines checked against pending changesets, model pinning (`genops.lock`), model
 * providers with record/replay, token budgets with a ledger, reproducible-build verification and
 * gated regeneration in a git worktree. The `genops` CLI (bin/genops.mjs) wraps all of it.
 * @packageDocumentation
 */
export { bumpCovers, isBump, maxBump, requiredBump } from './bump.js';
export type { Bump, VersionConvention } from './bump.js';

export { diffApi } from './semantic-diff.js';
export type { ApiChange, ApiDiff, ApiTree, ChangeBump, DiffApiOptions, Position } from './semantic-diff.js';

export { compatibility, diffContracts, isSubschema, schemaPair, snapshotContracts } from './contract-compat.js';
export type { Compatibility, CompatibilityMode, ContractChange, ContractSnapshot, JsonSchema, SchemaPair } from './contract-compat.js';

export { buildDiffReport, exportBumps } from './diff-report.js';
export type { DiffReport } from './diff-report.js';
export { formatDiffMarkdown } from './report-format.js';

export { emitDeclarations, loadGitTree, loadSourceTree, readPackageJson, sourceEntry } from './package-tree.js';
export { BASELINE_DIR, checkApi, listPublishedPackages, loadContracts, loadTreeContracts, readBaseline, snapshotApi } from './api-baseline.js';
export type { ApiBaseline, ApiBaselineOptions, ApiCheckOptions, ApiCheckResult, ModuleImporter } from './api-baseline.js';
export { declaredBump, findChangesetDir, parseChangeset, readChangesets, writeChangeset } from './changeset.js';
export type { Changeset } from './changeset.js';

export { findRoot, GenopsConfigSchema, loadConfig } from './genops-config.js';
export type { GenopsConfig } from './genops-config.js';
export { checkModelId, movingAliasReason } from './model-id.js';
export type { ModelIdPolicy } from './model-id.js';
export { hashFiles, listFiles, packageSourceFiles, sha256 } from './hashing.js';
export { checkLock, computeEntry, LockEntrySchema, LockfileSchema, pinPackage, PROVIDERS, readLock, TOKENIZER, tokenizerVersion, writeLock } from './lockfile.js';
export type { ExpectedGeneration, LockCheck, LockEntry, Lockfile, PinOptions } from './lockfile.js';
export { parseFiles, PROMPT_TEMPLATE_HASH, PROMPT_TEMPLATE_ID, renderPrompt, SYSTEM_PROMPT, USER_TEMPLATE } from './prompt-template.js';
export type { ChatMessage, PromptInput } from './prompt-template.js';

export { requestHash } from './providers/provider.js';
export type { CompletionRequest, CompletionResult, Provider, Usage } from './providers/provider.js';
export { postJson, retryAfterMs } from './providers/http-retry.js';
export type { RetryOptions } from './providers/http-retry.js';
export { createOpenAIProvider } from './providers/openai-provider.js';
export type { OpenAIProviderOptions } from './providers/openai-provider.js';
export { createAnthropicProvider } from './providers/anthropic-provider.js';
export type { AnthropicProviderOptions } from './providers/anthropic-provider.js';
export { createRecordingProvider, createReplayProvider, recordingPath } from './providers/replay-provider.js';
export type { Recording } from './providers/replay-provider.js';

export { BudgetGuard, costUsd, countPromptTokens, estimateRequest, readLedger, withBudget } from './budget.js';
export type { BudgetOptions, Estimate, LedgerEntry, Price } from './budget.js';

export { verifyReproducible } from './verify.js';
export type { FileDifference, VerifyOptions, VerifyResult } from './verify.js';
export { buildRequest, formatRegenerateMarkdown, regenerate } from './regenerate.js';
export type { GateCommands, GateResult, RegenerateOptions, RegenerateReport } from './regenerate.js';

export { main } from './cli.js';
export type { CliIo } from './cli.js';
