/**
 * Shared rule plumbing: the rule creator (docs links point at the README section of each rule) and
 * one visitor for every way a module can name another (import, export-from, dynamic import,
 * `import x = require()`, `require()`), so each rule only decides what a crossing is.
 */
import { relative, sep } from 'node:path';
import { AST_NODE_TYPES, ESLintUtils } from '@typescript-eslint/utils';
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import type { CellularSettings } from '../settings.js';
import { getProject } from './discover.js';
import type { Project } from './discover.js';
import { resolveImport } from './resolve-import.js';

/** Extra documentation fields our rules carry. */
export interface CellularRuleDocs {
  readonly recommended: boolean;
}

/** Creates a rule whose docs URL is its section in the package README. */
export const createRule = ESLintUtils.RuleCreator<CellularRuleDocs>(
  (name) => `https://www.npmjs.com/package/@cellular/eslint-plugin#${name}`,
);

/** One import found in a file, resolved. */
export interface FoundImport {
  readonly node: TSESTree.Node;
  readonly specifier: string;
  /** Absolute path of the imported file, or undefined for a package. */
  readonly target: string | undefined;
}

/** The project (cells, contracts, roots) for the file being linted. */
export function projectFor(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): Project {
  const settings = (context.settings as { cellular?: CellularSettings }).cellular ?? {};
  return getProject(settings, context.cwd);
}

/** A path relative to the project root, with `/`, for messages. */
export function display(project: Project, file: string): string {
  const rel = relative(project.root, file);
  return rel.split(sep).join('/');
}

/** Visitors calling `onImport` for every module specifier that is a string literal. */
export function importVisitors(
  context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>,
  onImport: (found: FoundImport) => void,
): TSESLint.RuleListener {
  const file = context.physicalFilename;
  const visit = (node: TSESTree.Node, source: TSESTree.Node | null | undefined): void => {
    if (source?.type !== AST_NODE_TYPES.Literal || typeof source.value !== 'string') return;
    onImport({ node, specifier: source.value, target: resolveImport(file, source.value) });
  };
  return {
    ImportDeclaration: (node) => {
      visit(node, node.source);
    },
    ExportNamedDeclaration: (node) => {
      visit(node, node.source);
    },
    ExportAllDeclaration: (node) => {
      visit(node, node.source);
    },
    ImportExpression: (node) => {
      visit(node, node.source);
    },
    TSImportEqualsDeclaration: (node) => {
      if (node.moduleReference.type === AST_NODE_TYPES.TSExternalModuleReference) visit(node, node.moduleReference.expression);
    },
    CallExpression: (node) => {
      if (node.callee.type === AST_NODE_TYPES.Identifier && node.callee.name === 'require' && node.arguments.length === 1) visit(node, node.arguments[0]);
    },
  };
}
