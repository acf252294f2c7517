#!/usr/bin/env node
/**
 * `cellular-audit verify <log> [--checkpoints <file>] [--public-key <pem>] [--hmac-key-file <file>]`:
 * verifies an audit chain from the command line. Exit code 0 = intact, 1 = problems found, 2 = usage.
 */
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { verifyAuditLog } from '../verify-audit-log.js';

const USAGE = 'usage: cellular-audit verify <log> [--checkpoints <file>] [--public-key <pem file>] [--hmac-key-file <file>] [--json]\n';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        checkpoints: { type: 'string' },
        'public-key': { type: 'string' },
        'hmac-key-file': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, file] = parsed.positionals;
  if (parsed.values.help === true || command !== 'verify' || file === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const pub = parsed.values['public-key'];
  const hmac = parsed.values['hmac-key-file'];
  const key = pub !== undefined ? createPublicKey(readFileSync(pub)) : hmac !== undefined ? readFileSync(hmac) : undefined;
  const result = await verifyAuditLog(file, {
    ...(key === undefined ? {} : { key }),
    ...(parsed.values.checkpoints === undefined ? {} : { checkpointPath: parsed.values.checkpoints }),
  });
  if (parsed.values.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    for (const p of result.problems) process.stdout.write(`line ${p.line}: ${p.kind}: ${p.message}\n`);
    process.stdout.write(
      `${result.ok ? 'OK' : 'FAILED'}: ${result.entries} entries, head seq ${result.head.seq}, ${result.checkpoints} checkpoints verified` +
        `${key === undefined ? ' (no key given: checkpoints not checked, truncation not detectable)' : ''}\n`,
    );
  }
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cellular-audit: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
