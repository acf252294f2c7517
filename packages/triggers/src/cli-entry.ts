// Entry point used by bin/cellular-triggers.mjs when running from source.
import { main } from './check.js';

process.exitCode = await main(process.argv.slice(2));
