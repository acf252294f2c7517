import { cellularConfig } from '@cellular/eslint-config';

// test/corpus holds before/after API samples: data for the semantic-diff classifier, not code to lint.
export default cellularConfig({ tsconfigRootDir: import.meta.dirname, extra: [{ ignores: ['test/corpus/**'] }] });
