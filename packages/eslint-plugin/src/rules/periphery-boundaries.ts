/**
 * `periphery-boundaries`: a periphery (a sandboxed cell, declared with `definePeriphery` or
 * `kind: 'periphery'`) never imports the core's cells. A periphery runs untrusted or risky code in a
 * sandbox and reaches the core only through the bus with its grants; an import would pull trusted
 * code, and its capabilities, into the sandbox and defeat the isolation.
 */
import { createRule, display, importVisitors, projectFor } from '../internal/create-rule.js';

/** Message ids of {@link peripheryBoundaries}. */
export type PeripheryBoundariesMessageId = 'peripheryImportsCell';

/** The `periphery-boundaries` rule. */
export const peripheryBoundaries = createRule<[], PeripheryBoundariesMessageId>({
  name: 'periphery-boundaries',
  meta: {
    type: 'problem',
    docs: { description: "Forbid a periphery's modules from importing the core's cells", recommended: true },
    schema: [],
    defaultOptions: [],
    messages: {
      peripheryImportsCell:
        'Periphery boundary crossed: periphery "{{from}}" imports "{{specifier}}" ({{target}}) from core cell "{{to}}". ' +
        'A periphery is sandboxed and reaches the core only through the bus: request a query or subscribe to an event ' +
        'declared in a contract (and grant it to the periphery), instead of importing the cell.',
    },
  },
  create(context) {
    const project = projectFor(context);
    const from = project.cellOf(context.physicalFilename);
    if (from?.kind !== 'periphery') return {};
    return importVisitors(context, ({ node, specifier, target }) => {
      if (target === undefined || from.owns(target) || project.isContract(target) || project.isShared(target)) return;
      const to = project.cellOf(target);
      if (to?.kind !== 'cell') return;
      context.report({ node, messageId: 'peripheryImportsCell', data: { from: from.name, to: to.name, specifier, target: display(project, target) } });
    });
  },
});
