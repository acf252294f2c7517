/**
 * `pnpm ops <command>`: the reading room's runbooks (back up and restore, rotate API and encryption
 * keys, verify the audit log, print the topology, check the triggers). See `pnpm ops help` and the
 * README's Runbooks section.
 */
import { runOps } from './runbooks/cli.js';

process.exitCode = await runOps(process.argv.slice(2), {
  out: (line) => {
    console.log(line);
  },
  err: (line) => {
    console.error(line);
  },
  env: process.env,
  cwd: process.cwd(),
});
