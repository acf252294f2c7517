import { cellularConfig } from '@cellular/eslint-config';
import { configs } from '@cellular/eslint-plugin';

// An application, not a library: it prints its URL and first admin key, so console is allowed.
// The Cellular boundary rules run here: no cell imports another cell; only the composition roots wire them.
export default cellularConfig({
  tsconfigRootDir: import.meta.dirname,
  allowConsole: true,
  extra: [
    configs.recommended,
    { settings: { cellular: { rootDir: import.meta.dirname, compositionRoots: ['src/app.ts', 'src/main.ts', 'src/composition.ts', 'src/ops.ts', 'src/runbooks/*.ts'] } } },
  ],
});
