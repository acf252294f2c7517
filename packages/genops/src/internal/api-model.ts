/**
 * Reads a module's public surface with the checker: every export (re-exports and `export *` resolved,
 * `export type` marked as type-only), and the position each exported type is used in. Position is what
 * makes a diff variance-aware: a type the consumer only passes in (input) may widen safely, a type the
 * consumer only receives (output) may narrow safely, a type used both ways is invariant. Positions are
 * inferred from syntax: function parameters flip polarity, return types and properties keep it.
 */
import ts from 'typescript';

/** What kind of declaration an export is. */
export type ExportKind = 'function' | 'class' | 'interface' | 'type' | 'enum' | 'variable' | 'namespace' | 'unknown';

/** Where a type appears from the consumer's point of view. */
export type Position = 'input' | 'output' | 'both';

/** One export of the analysed module. */
export interface ExportEntry {
  readonly name: string;
  /** The declaration symbol (aliases resolved). */
  readonly symbol: ts.Symbol;
  readonly kind: ExportKind;
  /** False for `export type { X }` of a value, or for pure types. */
  readonly hasValue: boolean;
  readonly hasType: boolean;
}

type Polarity = 'in' | 'out';
const flip = (p: Polarity): Polarity => (p === 'in' ? 'out' : 'in');

function resolve(checker: ts.TypeChecker, sym: ts.Symbol): ts.Symbol {
  return sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
}

function isTypeOnlyExport(sym: ts.Symbol): boolean {
  return (sym.declarations ?? []).some(
    (d) =>
      (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) ||
      (ts.isImportSpecifier(d) && (d.isTypeOnly || d.parent.parent.phaseModifier === ts.SyntaxKind.TypeKeyword)) ||
      (ts.isNamespaceExport(d) && d.parent.isTypeOnly),
  );
}

function kindOf(sym: ts.Symbol): ExportKind {
  const f = sym.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Variable) return 'variable';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) return 'namespace';
  return 'unknown';
}

/** Every export of `file`, by exported name. */
export function collectExports(checker: ts.TypeChecker, file: ts.SourceFile): Map<string, ExportEntry> {
  const out = new Map<string, ExportEntry>();
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) return out;
  for (const exp of checker.getExportsOfModule(moduleSymbol)) {
    const name = exp.getName();
    const target = resolve(checker, exp);
    const typeOnly = isTypeOnlyExport(exp);
    const valueFlags = ts.SymbolFlags.Value;
    const typeFlags = ts.SymbolFlags.Type;
    out.set(name, {
      name,
      symbol: target,
      kind: kindOf(target),
      hasValue: !typeOnly && (target.flags & valueFlags) !== 0,
      hasType: (target.flags & typeFlags) !== 0,
    });
  }
  return out;
}

/**
 * The positions of exported types, inferred by walking every exported value's declaration (and every
 * exported type's declaration reachable from them) with polarity.
 */
export function computePositions(
  checker: ts.TypeChecker,
  exports: ReadonlyMap<string, ExportEntry>,
  skip: ReadonlySet<string> = new Set(),
): Map<string, Set<Polarity>> {
  const bySymbol = new Map<ts.Symbol, string>();
  for (const e of exports.values()) if (e.hasType) bySymbol.set(e.symbol, e.name);
  const found = new Map<string, Set<Polarity>>();
  const visited = new Set<string>();
  let ids = 0;
  const symIds = new Map<ts.Symbol, number>();
  const idOf = (s: ts.Symbol): number => {
    let id = symIds.get(s);
    if (id === undefined) symIds.set(s, (id = ids++));
    return id;
  };

  const record = (sym: ts.Symbol, pol: Polarity): void => {
    const target = resolve(checker, sym);
    const name = bySymbol.get(target);
    if (name !== undefined) {
      let set = found.get(name);
      if (!set) found.set(name, (set = new Set()));
      set.add(pol);
    }
    const key = `${idOf(target)}:${pol}`;
    if (visited.has(key)) return;
    visited.add(key);
    for (const d of target.declarations ?? []) visitDecl(d, pol);
  };

  const recordType = (type: ts.Type, pol: Polarity, depth: number): void => {
    if (depth > 4) return;
    const sym = type.aliasSymbol ?? type.getSymbol();
    if (sym) record(sym, pol);
    for (const a of type.aliasTypeArguments ?? []) recordType(a, pol, depth + 1);
    if (type.isUnionOrIntersection()) for (const t of type.types) recordType(t, pol, depth + 1);
    if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
      for (const a of checker.getTypeArguments(type as ts.TypeReference)) recordType(a, pol, depth + 1);
    }
  };

  const visitSignatureLike = (node: ts.SignatureDeclaration, pol: Polarity): void => {
    for (const tp of node.typeParameters ?? []) if (tp.constraint) walk(tp.constraint, flip(pol));
    for (const p of node.parameters) {
      if (p.type) walk(p.type, flip(pol));
      else recordType(checker.getTypeAtLocation(p), flip(pol), 0);
    }
    if (node.type) walk(node.type, pol);
    else if (!ts.isConstructorDeclaration(node)) {
      const sig = checker.getSignatureFromDeclaration(node);
      if (sig) recordType(checker.getReturnTypeOfSignature(sig), pol, 0);
    }
  };

  const isPrivate = (m: ts.Node): boolean =>
    (ts.getCombinedModifierFlags(m as ts.Declaration) & ts.ModifierFlags.Private) !== 0 ||
    ((m as ts.NamedDeclaration).name !== undefined && ts.isPrivateIdentifier((m as ts.NamedDeclaration).name!));

  function visitDecl(d: ts.Declaration, pol: Polarity): void {
    if (ts.isInterfaceDeclaration(d)) {
      for (const h of d.heritageClauses ?? []) for (const t of h.types) walk(t, pol);
      for (const m of d.members) walk(m, pol);
    } else if (ts.isTypeAliasDeclaration(d)) {
      walk(d.type, pol);
    } else if (ts.isClassDeclaration(d)) {
      for (const h of d.heritageClauses ?? []) for (const t of h.types) walk(t, pol);
      for (const m of d.members) if (!isPrivate(m)) walk(m, pol);
    } else if (ts.isFunctionDeclaration(d)) {
      visitSignatureLike(d, pol);
    } else if (ts.isVariableDeclaration(d)) {
      if (d.type) walk(d.type, pol);
      else recordType(checker.getTypeAtLocation(d.name), pol, 0);
    } else if (ts.isTypeParameterDeclaration(d)) {
      // type parameters are not exported types
    }
  }

  function walk(node: ts.Node, pol: Polarity): void {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const target = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      const sym = checker.getSymbolAtLocation(target);
      if (sym) record(sym, pol);
      for (const a of node.typeArguments ?? []) walk(a, pol);
      return;
    }
    if (ts.isTypeQueryNode(node)) {
      const sym = checker.getSymbolAtLocation(node.exprName);
      if (sym) record(sym, pol);
      return;
    }
    if (
      ts.isFunctionTypeNode(node) ||
      ts.isConstructorTypeNode(node) ||
      ts.isCallSignatureDeclaration(node) ||
      ts.isConstructSignatureDeclaration(node) ||
      ts.isMethodSignature(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isFunctionDeclaration(node)
    ) {
      visitSignatureLike(node, pol);
      return;
    }
    if (ts.isSetAccessorDeclaration(node)) {
      for (const p of node.parameters) if (p.type) walk(p.type, flip(pol));
      return;
    }
    if (ts.isPropertyDeclaration(node) && !node.type) {
      recordType(checker.getTypeAtLocation(node.name), pol, 0);
      return;
    }
    ts.forEachChild(node, (c) => {
      walk(c, pol);
    });
  }

  for (const e of exports.values()) {
    if (!e.hasValue || e.kind === 'enum' || skip.has(e.name)) continue;
    for (const d of e.symbol.declarations ?? []) {
      if (ts.isClassDeclaration(d) || ts.isFunctionDeclaration(d) || ts.isVariableDeclaration(d)) visitDecl(d, 'out');
    }
  }
  return found;
}

/** Merge polarity sets of both sides into one position; unused types count as both. */
export function positionOf(...sets: (ReadonlySet<Polarity> | undefined)[]): Position {
  let input = false;
  let output = false;
  for (const s of sets) {
    if (s?.has('in')) input = true;
    if (s?.has('out')) output = true;
  }
  if (input && !output) return 'input';
  if (output && !input) return 'output';
  return 'both';
}
