/**
 * The prompt a regeneration sends. The template is data with a stable id and is hashed into the
 * lock, so changing the wording is a visible, reviewable event rather than a silent drift. The model
 * is asked for whole files in a fixed fenced format that {@link parseFiles} reads back.
 */
import { sha256 } from './hashing.js';

/** Identifier of the built-in template; bump it when the text changes. */
export const PROMPT_TEMPLATE_ID = 'genops-regenerate/v1';

/** The built-in system prompt. */
export const SYSTEM_PROMPT = `You regenerate one TypeScript package of a monorepo from its specification.
Keep every public contract exactly as given unless the specification says otherwise.
Answer ONLY with files, each as:
=== FILE: <path relative to the package> ===
<full file content>
=== END FILE ===`;

/** The built-in user prompt template; {{...}} slots are filled by {@link renderPrompt}. */
export const USER_TEMPLATE = `# Mode
{{mode}}

# Specification
{{spec}}

# Public contracts (declarations that must stay compatible)
{{contracts}}

# Tests that must pass
{{tests}}

# Current sources
{{sources}}`;

/** Hash of the template (system + user), as pinned in genops.lock. */
export const PROMPT_TEMPLATE_HASH = sha256(`${PROMPT_TEMPLATE_ID}\n${SYSTEM_PROMPT}\n${USER_TEMPLATE}`);

/** A chat message. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** What a prompt is built from. */
export interface PromptInput {
  readonly mode: 'regenerate' | 'patch';
  readonly spec: string;
  /** path -> declaration text */
  readonly contracts: Readonly<Record<string, string>>;
  /** path -> test source */
  readonly tests: Readonly<Record<string, string>>;
  /** path -> current source (sent in patch mode only) */
  readonly sources: Readonly<Record<string, string>>;
}

const files = (m: Readonly<Record<string, string>>): string =>
  Object.keys(m).length === 0
    ? '(none)'
    : Object.keys(m)
        .sort()
        .map((p) => `=== FILE: ${p} ===\n${m[p] ?? ''}\n=== END FILE ===`)
        .join('\n');

/** Render the messages of a regeneration request. Deterministic: same input, same messages. */
export function renderPrompt(input: PromptInput): ChatMessage[] {
  const user = USER_TEMPLATE.replace('{{mode}}', input.mode === 'patch' ? 'patch: change as little as possible' : 'regenerate: write the package anew')
    .replace('{{spec}}', input.spec.trim())
    .replace('{{contracts}}', files(input.contracts))
    .replace('{{tests}}', files(input.tests))
    // Regenerate mode writes the package anew from spec, contracts and tests: sources are not sent.
    .replace('{{sources}}', files(input.mode === 'patch' ? input.sources : {}));
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}

/** Read the files of a model answer written in the fenced format. Paths escaping the package are refused. */
export function parseFiles(answer: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^=== FILE: (.+?) ===\r?\n([\s\S]*?)\r?\n=== END FILE ===$/gmu;
  for (const m of answer.matchAll(re)) {
    const path = m[1]!.trim();
    if (path.startsWith('/') || path.split('/').includes('..')) continue;
    out[path] = `${m[2]!}\n`;
  }
  return out;
}
