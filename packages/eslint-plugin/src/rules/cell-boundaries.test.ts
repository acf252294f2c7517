import { appRoot, fixture, runRule } from '../../test/rule-tester.js';
import { DEFAULT_CONTRACTS } from '../settings.js';
import { cellBoundaries } from './cell-boundaries.js';

const contracts = DEFAULT_CONTRACTS.join(', ');

runRule('cell-boundaries', cellBoundaries, {
  valid: [
    // own files, contracts (a contracts folder and a *.contract.ts inside another cell), shared files, packages
    fixture('src/cells/loans/loans.cell.ts'),
    fixture('src/cells/loans/policy.ts'),
    fixture('src/cells/catalog/catalog.cell.ts'),
    fixture('src/cells/catalog/index.ts'),
    fixture('src/cells/loans/x.ts', "import { z } from 'zod';\nimport { CellularError } from '@cellular/core';\nexport const a = [z, CellularError];"),
    // files outside any cell are not this rule's business
    fixture('src/gateway/routes.ts'),
    fixture('src/main.ts'),
    // a periphery importing a core cell is reported by periphery-boundaries, not twice
    fixture('src/peripheries/isbn/reads-catalog.ts'),
    fixture('src/peripheries/isbn/isbn.periphery.ts'),
  ],
  invalid: [
    {
      ...fixture('src/cells/loans/steals-repository.ts'),
      errors: [
        {
          messageId: 'crossCell',
          data: {
            from: 'loans',
            to: 'catalog',
            specifier: '../catalog/repository.js',
            target: 'src/cells/catalog/repository.ts',
            territory: 'src/cells/catalog/**',
            contracts,
          },
        },
      ],
    },
    {
      // the cell's definition and public index are still another cell's files
      ...fixture(
        'src/cells/loans/wires.ts',
        "import { catalog } from '../catalog/index.js';\nexport * from '../catalog/catalog.cell.js';\nexport const c = catalog;",
      ),
      errors: [
        { messageId: 'crossCell', line: 1 },
        { messageId: 'crossCell', line: 2 },
      ],
    },
    {
      // dynamic import, require and import-equals are imports too; so are type-only imports
      ...fixture(
        'src/cells/loans/sneaky.ts',
        "import type { findBook } from '../catalog/repository';\nexport const f = (): unknown => import('../catalog/repository.js');\nimport r = require('../catalog/repository.js');\nexport type F = typeof findBook | typeof r;",
      ),
      errors: [
        { messageId: 'crossCell', line: 1 },
        { messageId: 'crossCell', line: 2 },
        { messageId: 'crossCell', line: 3 },
      ],
    },
    {
      // an app file outside every cell, and a folder under cells/ that never calls defineCell
      ...fixture('src/cells/loans/uses-helper.ts'),
      errors: [
        { messageId: 'outsideCell', data: { from: 'loans', specifier: '../../lib/helper.js', target: 'src/lib/helper.ts' } },
        { messageId: 'outsideCell', data: { from: 'loans', specifier: '../orphan/thing.js', target: 'src/cells/orphan/thing.ts' } },
      ],
    },
    {
      // two cells in one folder: each owns only its file
      ...fixture('src/cells/pair/first.ts'),
      errors: [{ messageId: 'crossCell', data: { from: 'first', to: 'second', specifier: './second.js', target: 'src/cells/pair/second.ts', territory: 'src/cells/pair/second.ts', contracts } }],
    },
    {
      // a test (spec) file inside a cell's folder is that cell's file
      ...fixture('src/cells/catalog/catalog.spec.ts'),
      errors: [{ messageId: 'crossCell', data: { from: 'catalog', to: 'loans', specifier: '../loans/policy.js', target: 'src/cells/loans/policy.ts', territory: 'src/cells/loans/**', contracts } }],
    },
    {
      // a periphery importing another periphery, or a cell importing a periphery
      ...fixture('src/cells/loans/calls-periphery.ts', "import { lookup } from '../../peripheries/isbn/lookup.js';\nexport const l = lookup;"),
      errors: [{ messageId: 'crossCell', data: { from: 'loans', to: 'isbn-lookup', specifier: '../../peripheries/isbn/lookup.js', target: 'src/peripheries/isbn/lookup.ts', territory: 'src/peripheries/isbn/**', contracts } }],
    },
  ],
});

// Pinned territories in settings replace the folder of the defining file.
runRule('cell-boundaries with pinned territories', cellBoundaries, {
  valid: [],
  invalid: [
    {
      ...fixture('src/lib/helper.ts', "import { maxLoans } from '../cells/loans/policy.js';\nexport const m = maxLoans;"),
      settings: { cellular: { rootDir: appRoot, cells: { catalog: ['src/cells/catalog/**', 'src/lib/**'] } } },
      errors: [{ messageId: 'crossCell', data: { from: 'catalog', to: 'loans', specifier: '../cells/loans/policy.js', target: 'src/cells/loans/policy.ts', territory: 'src/cells/loans/**', contracts } }],
    },
  ],
});
