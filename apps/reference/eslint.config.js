import { cellularConfig } from '@cellular/eslint-config';

// An application, not a library: it prints its URL and first admin key, so console is allowed.
export default cellularConfig({ tsconfigRootDir: import.meta.dirname, allowConsole: true });
