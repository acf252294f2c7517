import { fixture, runRule } from '../../test/rule-tester.js';
import { peripheryBoundaries } from './periphery-boundaries.js';

runRule('periphery-boundaries', peripheryBoundaries, {
  valid: [
    // own files and contracts
    fixture('src/peripheries/isbn/isbn.periphery.ts'),
    fixture('src/peripheries/isbn/lookup.ts'),
    // cells are not this rule's business
    fixture('src/cells/loans/steals-repository.ts'),
  ],
  invalid: [
    {
      ...fixture('src/peripheries/isbn/reads-catalog.ts'),
      errors: [
        {
          messageId: 'peripheryImportsCell',
          data: { from: 'isbn-lookup', to: 'catalog', specifier: '../../cells/catalog/repository.js', target: 'src/cells/catalog/repository.ts' },
        },
        {
          messageId: 'peripheryImportsCell',
          data: { from: 'isbn-lookup', to: 'catalog', specifier: '../../cells/catalog/index.js', target: 'src/cells/catalog/index.ts' },
        },
      ],
    },
    {
      // a cell declared with defineCell({ kind: 'periphery' }) is a periphery too
      ...fixture('src/peripheries/isbn/lookup.ts', "export { loans } from '../../cells/loans/loans.cell.js';"),
      errors: [{ messageId: 'peripheryImportsCell', data: { from: 'isbn-lookup', to: 'loans', specifier: '../../cells/loans/loans.cell.js', target: 'src/cells/loans/loans.cell.ts' } }],
    },
  ],
});
