/**
 * Registry of the CLI commands that live in their own modules (pin, check, estimate, verify,
 * regenerate, patch), so cli.ts stays a dispatcher.
 */
import type { CliIo } from '../cli.js';

/** A CLI command: argv after the command name, returns an exit code. */
export type CliCommand = (args: string[], io: CliIo) => Promise<number>;

/** Commands by name. Filled as modules are added. */
export const cliCommands: Readonly<Record<string, CliCommand | undefined>> = {};
