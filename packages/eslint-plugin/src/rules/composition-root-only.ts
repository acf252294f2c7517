/**
 * `composition-root-only`: only the composition root (`src/main.ts`, `src/composition.ts` by default)
 * imports cells and wires them together, and it imports a cell through its definition module (the
 * file calling `defineCell`, or an index file at the top of the cell's folder), never the cell's
 * internals. Any other file outside the cells that imports a cell hides a dependency the
 * composition, and so the topology diagram, does not show.
 */
import { basename, dirname } from 'node:path';
import { createRule, display, importVisitors, projectFor } from '../internal/create-rule.js';
import type { CellInfo } from '../internal/discover.js';

/** Message ids of {@link compositionRootOnly}. */
export type CompositionRootOnlyMessageId = 'importOutsideRoot' | 'rootImportsInternals';

function isPublicEntry(cell: CellInfo, target: string): boolean {
  if (target === cell.definitionFile) return true;
  return cell.folder !== undefined && dirname(target) === cell.folder && /^index\.[cm]?[jt]sx?$/u.test(basename(target));
}

/** The `composition-root-only` rule. */
export const compositionRootOnly = createRule<[], CompositionRootOnlyMessageId>({
  name: 'composition-root-only',
  meta: {
    type: 'problem',
    docs: { description: 'Only the composition root imports cells, and only through their definition module', recommended: true },
    schema: [],
    defaultOptions: [],
    messages: {
      importOutsideRoot:
        'Composition boundary crossed: {{file}} imports "{{specifier}}" ({{target}}) from cell "{{to}}", but only the composition root ' +
        '({{roots}}) wires cells together. Add the cell to the composition there, and reach it from here through the bus with a contract.',
      rootImportsInternals:
        'Composition root imports "{{specifier}}" ({{target}}) from inside cell "{{to}}". Import the cell through its definition ' +
        '({{definition}}) and let the cell keep its internals.',
    },
  },
  create(context) {
    const project = projectFor(context);
    const file = context.physicalFilename;
    if (project.cellOf(file) !== undefined || project.isContract(file)) return {};
    const isRoot = project.isCompositionRoot(file);
    return importVisitors(context, ({ node, specifier, target }) => {
      if (target === undefined || project.isContract(target) || project.isShared(target)) return;
      const to = project.cellOf(target);
      if (to === undefined) return;
      const data = { specifier, target: display(project, target), to: to.name };
      if (!isRoot) {
        context.report({ node, messageId: 'importOutsideRoot', data: { ...data, file: display(project, file), roots: project.compositionRoots.join(', ') } });
      } else if (!isPublicEntry(to, target)) {
        const definition = to.definitionFile === undefined ? `the file calling defineCell({ name: '${to.name}' })` : display(project, to.definitionFile);
        context.report({ node, messageId: 'rootImportsInternals', data: { ...data, definition } });
      }
    });
  },
});
