/**
 * `cell-boundaries`: a cell's files import `@cellular/*` and other packages, contracts and their own
 * files, never another cell's files nor application files that belong to no cell. Cells talk over the
 * bus through contracts; an import is a hidden, synchronous coupling the topology cannot show and a
 * transport cannot carry once the cell moves to another process.
 *
 * A periphery importing a core cell is left to `periphery-boundaries`, which explains the sandbox.
 */
import { sep } from 'node:path';
import { createRule, display, importVisitors, projectFor } from '../internal/create-rule.js';

/** Message ids of {@link cellBoundaries}. */
export type CellBoundariesMessageId = 'crossCell' | 'outsideCell';

/** The `cell-boundaries` rule. */
export const cellBoundaries = createRule<[], CellBoundariesMessageId>({
  name: 'cell-boundaries',
  meta: {
    type: 'problem',
    docs: {
      description: "Forbid a cell's files from importing another cell's files or application files outside any cell",
      recommended: true,
    },
    schema: [],
    defaultOptions: [],
    messages: {
      crossCell:
        'Cell boundary crossed: cell "{{from}}" imports "{{specifier}}" ({{target}}), a file of cell "{{to}}" ({{territory}}). ' +
        'Cells share only contracts: publish an event or send a command/query declared in a contract ({{contracts}}) ' +
        'and import that contract instead; "{{to}}" handles or subscribes on the bus.',
      outsideCell:
        'Cell boundary crossed: cell "{{from}}" imports "{{specifier}}" ({{target}}), which belongs to no cell and is not a contract. ' +
        'Move the code into cell "{{from}}", publish it as a contract, or list the file in settings.cellular.shared if every cell may use it.',
    },
  },
  create(context) {
    const project = projectFor(context);
    const file = context.physicalFilename;
    const from = project.cellOf(file);
    if (from === undefined) return {};
    return importVisitors(context, ({ node, specifier, target }) => {
      if (target === undefined || from.owns(target) || project.isContract(target) || project.isShared(target)) return;
      const to = project.cellOf(target);
      if (to === from) return;
      if (to === undefined) {
        // Only the application's own files: a relative import out of the root is some other package.
        if (!target.startsWith(project.root + sep) || target.split(sep).includes('node_modules')) return;
        context.report({ node, messageId: 'outsideCell', data: { from: from.name, specifier, target: display(project, target) } });
        return;
      }
      if (from.kind === 'periphery' && to.kind === 'cell') return;
      context.report({
        node,
        messageId: 'crossCell',
        data: {
          from: from.name,
          to: to.name,
          specifier,
          target: display(project, target),
          territory: to.territoryLabel,
          contracts: project.contracts.join(', '),
        },
      });
    });
  },
});
