import { cellularConfig } from '@cellular/eslint-config';

// `.baseline/` holds a copy of the sources for `bench:ab` (see bench/ab.bench.ts), never linted.
export default cellularConfig({ tsconfigRootDir: import.meta.dirname, extra: [{ ignores: ['.baseline/**'] }] });
