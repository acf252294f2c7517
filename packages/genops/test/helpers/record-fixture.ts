// Writes the replay recordings of the greeter fixture. The answers are scripted (written here by
// hand, standing in for a model), so the end-to-end test and the README report are reproducible
// without network or credentials. Run: pnpm exec tsx --conditions=@cellular/source test/helpers/record-fixture.ts
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildRequest } from '../../src/regenerate.js';
import { readLock } from '../../src/lockfile.js';
import { createRecordingProvider } from '../../src/providers/replay-provider.js';
import type { Provider } from '../../src/providers/provider.js';
import { countPromptTokens } from '../../src/budget.js';
import { countTokens } from 'gpt-tokenizer';
import { createGreeterRepo, RECORDINGS_DIR } from './greeter-repo.js';

const file = (path: string, content: string): string => `=== FILE: ${path} ===\n${content.trimEnd()}\n=== END FILE ===`;

const V2 = file(
  'src/index.ts',
  `/** Options for {@link greet}. */
export interface GreetOptions {
  /** Defaults to "!". */
  readonly punctuation?: string;
  /** Upper-case the greeting. Defaults to false. */
  readonly shout?: boolean;
}

/** Greet someone. */
export function greet(name: string, options: GreetOptions = {}): string {
  const text = \`Hello, \${name}\${options.punctuation ?? '!'}\`;
  return options.shout === true ? text.toUpperCase() : text;
}

/** Say goodbye. */
export function farewell(name: string): string {
  return \`Goodbye, \${name}.\`;
}`,
);

const BREAKING = file(
  'src/index.ts',
  `/** Options for {@link welcome}. */
export interface GreetOptions {
  readonly punctuation?: string;
}

/** Welcome someone. */
export function welcome(name: string, options: GreetOptions = {}): string {
  return \`Hello, \${name}\${options.punctuation ?? '!'}\`;
}`,
);

// Usage is what a provider would report: the prompt and the answer counted with the same tokenizer.
const scripted = (text: string): Provider => ({
  name: 'scripted',
  complete: (req) => Promise.resolve({ text, usage: { inputTokens: countPromptTokens(req.messages), outputTokens: countTokens(text) }, model: req.model }),
});

const repo = createGreeterRepo();
try {
  const entry = readLock(join(repo.root, 'genops.lock')).packages['@fixture/greeter']!;
  for (const [spec, answer] of [
    ['spec-v2.md', V2],
    ['spec-breaking.md', BREAKING],
  ] as const) {
    const { request } = buildRequest(repo.pkgDir, join(repo.pkgDir, spec), entry, 'regenerate');
    await createRecordingProvider(scripted(answer), RECORDINGS_DIR).complete(request);
    console.log(`recorded ${spec}`);
  }
} finally {
  rmSync(repo.root, { recursive: true, force: true });
}
