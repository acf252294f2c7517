import { appRoot, fixture, runRule } from '../../test/rule-tester.js';
import { compositionRootOnly } from './composition-root-only.js';

runRule('composition-root-only', compositionRootOnly, {
  valid: [
    // the composition root imports cells through their definition or their folder's index
    fixture('src/main.ts'),
    // cells' own files are cell-boundaries' business
    fixture('src/cells/loans/steals-repository.ts'),
    // contracts and plain files outside cells
    fixture('src/lib/helper.ts'),
    fixture('src/contracts/loans.ts'),
    fixture('src/gateway/ok.ts', "import { LoanCreated } from '../contracts/loans.js';\nexport const n = LoanCreated.name;"),
  ],
  invalid: [
    {
      ...fixture('src/gateway/routes.ts'),
      errors: [
        {
          messageId: 'importOutsideRoot',
          data: {
            file: 'src/gateway/routes.ts',
            specifier: '../cells/catalog/index.js',
            target: 'src/cells/catalog/index.ts',
            to: 'catalog',
            roots: 'src/main.ts, src/composition.ts',
          },
        },
      ],
    },
    {
      ...fixture('src/composition.ts'),
      errors: [
        {
          messageId: 'rootImportsInternals',
          data: { specifier: './cells/catalog/repository.js', target: 'src/cells/catalog/repository.ts', to: 'catalog', definition: 'src/cells/catalog/catalog.cell.ts' },
        },
      ],
    },
    {
      // roots come from settings
      ...fixture('src/main.ts'),
      settings: { cellular: { rootDir: appRoot, compositionRoots: ['src/app.ts'] } },
      errors: [
        { messageId: 'importOutsideRoot', line: 2 },
        { messageId: 'importOutsideRoot', line: 3 },
        { messageId: 'importOutsideRoot', line: 4 },
        { messageId: 'importOutsideRoot', line: 5 },
      ],
    },
  ],
});
