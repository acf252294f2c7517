/**
 * The classification rules of the semantic diff. Each rule compares one aspect of an export between
 * the old and the new side and says major, minor or patch with a reason. Types are related with the
 * checker's own structural assignability (`isTypeAssignableTo`), read through the position the type
 * is used in: an input may widen (minor) but not narrow (major); an output may narrow but not widen;
 * a type used both ways must stay equivalent. Targeted rules (parameter counts, property removal,
 * readonly, visibility, enum members, overloads, type parameters) cover what assignability alone
 * would call compatible although consumers' code would stop compiling.
 */
import ts from 'typescript';
import type { ExportEntry, Position } from './api-model.js';

/** How much a change requires the version to move. */
export type ChangeBump = 'major' | 'minor' | 'patch';

/** One classified API change. */
export interface ApiChange {
  /** Exported name the change belongs to. */
  readonly export: string;
  /** Member path inside the export (`options.timeout`, `constructor`, `param 1`), when any. */
  readonly member?: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly bump: ChangeBump;
  /** Stable rule id (`param-required-added`, `type-widened-output`, ...). */
  readonly rule: string;
  readonly reason: string;
}

/** Instantiated declared types of generic types, computed through a probe file. */
export interface GenericProbe {
  readonly old: ReadonlyMap<string, ts.Type>;
  readonly new: ReadonlyMap<string, ts.Type>;
}

const FORMAT: ts.TypeFormatFlags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;
const FORMAT_ALIAS: ts.TypeFormatFlags =
  ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType | ts.TypeFormatFlags.InTypeAlias;
const MAX_DEPTH = 5;

type Side = 'old' | 'new';

/** Compares two export maps held by the same checker. */
export class ApiComparer {
  readonly changes: ApiChange[] = [];
  private readonly exportedBySymbol: Record<Side, Map<ts.Symbol, string>>;
  private current = '';

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly oldExports: ReadonlyMap<string, ExportEntry>,
    private readonly newExports: ReadonlyMap<string, ExportEntry>,
    private readonly positions: (name: string) => Position,
    private readonly probe: GenericProbe,
    private readonly treeRoots: Record<Side, string>,
    private readonly skip: ReadonlySet<string> = new Set(),
  ) {
    this.exportedBySymbol = { old: new Map(), new: new Map() };
    for (const e of oldExports.values()) this.exportedBySymbol.old.set(e.symbol, e.name);
    for (const e of newExports.values()) this.exportedBySymbol.new.set(e.symbol, e.name);
  }

  run(): ApiChange[] {
    const names = new Set([...this.oldExports.keys(), ...this.newExports.keys()]);
    for (const name of [...names].sort()) {
      this.current = name;
      const o = this.oldExports.get(name);
      const n = this.newExports.get(name);
      if (o && !n) this.add({ kind: 'removed', bump: 'major', rule: 'export-removed', reason: `export ${name} (${o.kind}) was removed` });
      else if (!o && n) this.add({ kind: 'added', bump: 'minor', rule: 'export-added', reason: `export ${name} (${n.kind}) was added` });
      else if (o && n && !this.skip.has(name)) {
        try {
          this.compareExport(o, n);
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
          // Pathologically deep types (the checker's printer recursed too far): compare declarations.
          if (declText(o.symbol) !== declText(n.symbol)) {
            this.changed('major', 'type-too-deep', `${name} changed and its type is too deep to compare structurally`);
          }
        }
      }
    }
    return this.changes;
  }

  private add(c: Omit<ApiChange, 'export'>): void {
    this.changes.push({ export: this.current, ...c });
  }

  private changed(bump: ChangeBump, rule: string, reason: string, member?: string): void {
    this.add({ kind: 'changed', bump, rule, reason, ...(member !== undefined && member !== '' ? { member } : {}) });
  }

  // ---- exports -----------------------------------------------------------------------------------

  private compareExport(o: ExportEntry, n: ExportEntry): void {
    const name = o.name;
    if (o.hasValue && !n.hasValue) {
      this.changed('major', 'value-removed', `${name} is no longer usable as a value (now type-only or a pure type)`);
      return;
    }
    if (o.hasType && !n.hasType) {
      this.changed('major', 'type-removed', `${name} is no longer usable as a type`);
      return;
    }
    if (o.kind === 'enum' && n.kind === 'enum') {
      this.compareEnum(o.symbol, n.symbol);
      return;
    }
    if (o.kind !== n.kind && (o.kind === 'enum' || n.kind === 'enum' || o.kind === 'class' || n.kind === 'class')) {
      if (!(o.kind === 'class' && n.hasValue && n.hasType)) {
        this.changed('major', 'kind-changed', `${name} changed from ${o.kind} to ${n.kind}`);
        return;
      }
    }
    if (o.kind === 'class' && n.kind === 'class') {
      this.compareClass(o.symbol, n.symbol);
      return;
    }
    if (o.kind === 'namespace' && n.kind === 'namespace') {
      this.compareNamespace(o.symbol, n.symbol);
      return;
    }
    if (o.hasValue && n.hasValue) this.compareValue(o, n);
    if (o.hasType && n.hasType && !o.hasValue) this.compareTypeExport(o, n);
  }

  private compareValue(o: ExportEntry, n: ExportEntry): void {
    const ot = this.checker.getTypeOfSymbol(o.symbol);
    const nt = this.checker.getTypeOfSymbol(n.symbol);
    const oSigs = ot.getCallSignatures();
    const nSigs = nt.getCallSignatures();
    const mutable = o.kind === 'variable' && !isConst(o.symbol);
    const pos: Position = mutable || (n.kind === 'variable' && !isConst(n.symbol)) ? 'both' : 'output';
    if (oSigs.length > 0 && nSigs.length > 0 && ot.getProperties().length === 0 && nt.getProperties().length === 0) {
      this.compareCallable(oSigs, nSigs, ot, nt, pos, '');
      return;
    }
    this.compareTypes(ot, nt, pos, '', 0);
  }

  private compareTypeExport(o: ExportEntry, n: ExportEntry): void {
    const pos = this.positions(o.name);
    const oDecl = typeParamsOf(o.symbol);
    const nDecl = typeParamsOf(n.symbol);
    this.compareTypeParams(oDecl, nDecl, '', 'input');
    const generic = oDecl.length > 0 || nDecl.length > 0;
    let ot: ts.Type | undefined;
    let nt: ts.Type | undefined;
    if (generic) {
      ot = this.probe.old.get(o.name);
      nt = this.probe.new.get(n.name);
      if (!ot || !nt) {
        if (declText(o.symbol) !== declText(n.symbol)) {
          this.changed('major', 'generic-type-changed', `generic type ${o.name} changed and could not be instantiated for comparison`);
        }
        return;
      }
    } else {
      ot = this.checker.getDeclaredTypeOfSymbol(o.symbol);
      nt = this.checker.getDeclaredTypeOfSymbol(n.symbol);
    }
    this.compareTypes(ot, nt, pos, '', 0, true);
  }

  // ---- types ---------------------------------------------------------------------------------------

  private text(t: ts.Type, expand = false): string {
    return this.checker.typeToString(t, undefined, expand ? FORMAT_ALIAS : FORMAT);
  }

  /** True when `t` (shallowly) names only exported or library types, so equal text means equal meaning. */
  private onlyExportedNames(t: ts.Type, side: Side, depth = 0): boolean {
    if (depth > 3) return true;
    const sym = t.aliasSymbol ?? t.getSymbol();
    if (sym && this.isInTree(sym, side) && !this.exportedBySymbol[side].has(sym)) {
      if (!(sym.flags & (ts.SymbolFlags.TypeLiteral | ts.SymbolFlags.ObjectLiteral | ts.SymbolFlags.TypeParameter))) return false;
    }
    if (t.isUnionOrIntersection()) return t.types.every((x) => this.onlyExportedNames(x, side, depth + 1));
    for (const a of t.aliasTypeArguments ?? []) if (!this.onlyExportedNames(a, side, depth + 1)) return false;
    return true;
  }

  private declaredInTree(t: ts.Type, side: Side): boolean {
    const sym = t.aliasSymbol ?? t.getSymbol();
    return sym !== undefined && this.isInTree(sym, side);
  }

  private isInTree(sym: ts.Symbol, side: Side): boolean {
    return (sym.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(this.treeRoots[side]));
  }

  private sharedExportName(o: ts.Type, n: ts.Type): boolean {
    const os = o.aliasSymbol ?? o.getSymbol();
    const ns = n.aliasSymbol ?? n.getSymbol();
    if (!os || !ns) return false;
    const on = this.exportedBySymbol.old.get(os);
    return on !== undefined && on === this.exportedBySymbol.new.get(ns);
  }

  /** The export name a declared type annotation refers to, when it names an export of its side. */
  private exportRefName(node: ts.Node | undefined, side: Side): string | undefined {
    const typeNode = node && (ts.isParameter(node) || ts.isPropertySignature(node) || ts.isPropertyDeclaration(node)) ? node.type : node;
    if (!typeNode || !ts.isTypeReferenceNode(typeNode) || typeNode.typeArguments) return undefined;
    let sym = this.checker.getSymbolAtLocation(typeNode.typeName);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = this.checker.getAliasedSymbol(sym);
    return sym ? this.exportedBySymbol[side].get(sym) : undefined;
  }

  /** True when both declarations are annotated with the same exported type name (reported there). */
  private sameExportRef(o: ts.Node | undefined, n: ts.Node | undefined): boolean {
    const a = this.exportRefName(o, 'old');
    return a !== undefined && a === this.exportRefName(n, 'new');
  }

  private assignable(a: ts.Type, b: ts.Type): boolean {
    return this.checker.isTypeAssignableTo(a, b);
  }

  /** Classify a type change by the position it is used in. */
  private compareTypes(o: ts.Type, n: ts.Type, pos: Position, member: string, depth: number, top = false): void {
    const ot = this.text(o, top);
    const nt = this.text(n, top);
    if (!top && ot === nt && this.onlyExportedNames(o, 'old') && this.onlyExportedNames(n, 'new')) return;
    if (!top && this.sharedExportName(o, n)) return;
    // Only types declared in the analysed trees are compared member by member; library types
    // (Array, Promise, Map, ...) are related by assignability as a whole.
    const oObj = isPlainObject(o) && this.declaredInTree(o, 'old');
    const nObj = isPlainObject(n) && this.declaredInTree(n, 'new');
    if (oObj && nObj && depth < MAX_DEPTH) {
      const oSigs = o.getCallSignatures();
      const nSigs = n.getCallSignatures();
      const before = this.changes.length;
      if ((oSigs.length > 0 || nSigs.length > 0) && o.getProperties().length === 0 && n.getProperties().length === 0) {
        if (oSigs.length > 0 && nSigs.length > 0) {
          this.compareCallable(oSigs, nSigs, o, n, pos, member, depth + 1);
          return;
        }
      } else {
        this.compareMembers(o, n, pos, member, depth);
        if (this.changes.length > before) return;
        // Members agree: an equivalent type under another spelling (alias <-> interface) is no
        // change, and so is a class whose private members make the checker relate it nominally.
        if (this.signaturesText(o) === this.signaturesText(n)) return;
        if (this.assignable(o, n) && this.assignable(n, o)) return;
      }
    }
    // Same spelling of a union: compare member by member, so that a nominal class inside the union
    // (private fields) is compared by its public members instead of by identity.
    if (ot === nt && o.isUnion() && n.isUnion() && o.types.length === n.types.length && depth < MAX_DEPTH) {
      for (let i = 0; i < o.types.length; i++) this.compareTypes(o.types[i]!, n.types[i]!, pos, member, depth + 1);
      return;
    }
    this.compareByAssignability(o, n, pos, member, ot, nt);
  }

  private signaturesText(t: ts.Type): string {
    const sigs = [...t.getCallSignatures(), ...t.getConstructSignatures()];
    return sigs.map((sig) => this.checker.signatureToString(sig, undefined, FORMAT)).join('\n');
  }

  private compareByAssignability(o: ts.Type, n: ts.Type, pos: Position, member: string, ot: string, nt: string): void {
    const o2n = this.assignable(o, n);
    const n2o = this.assignable(n, o);
    const what = member === '' ? 'type' : member;
    const detail = `${ot} -> ${nt}`;
    if (o2n && n2o) {
      if (ot !== nt) this.changed('patch', 'type-equivalent', `${what} rewritten to an equivalent type (${detail})`, member);
      return;
    }
    switch (pos) {
      case 'input':
        if (o2n) this.changed('minor', 'type-widened-input', `${what} widened where it is an input (${detail})`, member);
        else if (n2o) this.changed('major', 'type-narrowed-input', `${what} narrowed where it is an input (${detail})`, member);
        else this.changed('major', 'type-changed', `${what} changed incompatibly (${detail})`, member);
        return;
      case 'output':
        if (n2o) this.changed('minor', 'type-narrowed-output', `${what} narrowed where it is an output (${detail})`, member);
        else if (o2n) this.changed('major', 'type-widened-output', `${what} widened where it is an output (${detail})`, member);
        else this.changed('major', 'type-changed', `${what} changed incompatibly (${detail})`, member);
        return;
      case 'both':
        this.changed(
          'major',
          o2n ? 'type-widened-invariant' : n2o ? 'type-narrowed-invariant' : 'type-changed',
          `${what} changed where it is both an input and an output (${detail})`,
          member,
        );
        return;
    }
  }

  private compareMembers(o: ts.Type, n: ts.Type, pos: Position, prefix: string, depth: number): void {
    // Private members are not part of the API (classes are compared member by member elsewhere).
    const visible = (t: ts.Type): Map<string, ts.Symbol> => new Map(t.getProperties().filter((p) => visibility(p) !== 'private').map((p) => [p.getName(), p]));
    const oProps = visible(o);
    const nProps = visible(n);
    for (const [name, op] of oProps) {
      const path = join(prefix, name);
      const np = nProps.get(name);
      if (!np) {
        this.changed('major', 'property-removed', `property ${path} was removed`, path);
        continue;
      }
      this.compareProperty(op, np, pos, path, depth);
    }
    for (const [name, np] of nProps) {
      if (oProps.has(name)) continue;
      const path = join(prefix, name);
      if (isOptional(np)) this.changed('minor', 'property-optional-added', `optional property ${path} was added`, path);
      else if (pos === 'output') this.changed('minor', 'property-required-added-output', `required property ${path} was added to an output type`, path);
      else this.changed('major', 'property-required-added-input', `required property ${path} was added to a type used as input`, path);
    }
    this.compareIndexSignatures(o, n, pos, prefix);
  }

  private compareIndexSignatures(o: ts.Type, n: ts.Type, pos: Position, prefix: string): void {
    for (const kind of [ts.IndexKind.String, ts.IndexKind.Number]) {
      const oi = this.checker.getIndexTypeOfType(o, kind);
      const ni = this.checker.getIndexTypeOfType(n, kind);
      const path = join(prefix, kind === ts.IndexKind.String ? '[string]' : '[number]');
      if (oi && !ni) this.changed('major', 'index-signature-removed', `index signature ${path} was removed`, path);
      else if (!oi && ni) this.changed(pos === 'output' ? 'minor' : 'major', 'index-signature-added', `index signature ${path} was added`, path);
      else if (oi && ni) this.compareTypes(oi, ni, pos, path, MAX_DEPTH);
    }
  }

  private compareProperty(op: ts.Symbol, np: ts.Symbol, pos: Position, path: string, depth: number): void {
    const oOpt = isOptional(op);
    const nOpt = isOptional(np);
    if (oOpt && !nOpt) {
      if (pos === 'output') this.changed('minor', 'property-optional-to-required-output', `property ${path} became required in an output type`, path);
      else this.changed('major', 'property-optional-to-required-input', `property ${path} became required in a type used as input`, path);
    } else if (!oOpt && nOpt) {
      if (pos === 'input') this.changed('minor', 'property-required-to-optional-input', `property ${path} became optional in an input type`, path);
      else this.changed('major', 'property-required-to-optional-output', `property ${path} became optional in a type used as output`, path);
    }
    if (isAccessor(op) || isAccessor(np)) {
      const oWritable = !isGetterOnly(op);
      const nWritable = !isGetterOnly(np);
      if (!oWritable && nWritable) this.changed('minor', 'property-became-writable', `property ${path} gained a setter`, path);
      else if (oWritable && !nWritable) this.changed('major', 'property-became-readonly', `property ${path} lost its setter`, path);
    }
    const oRo = isReadonly(op);
    const nRo = isReadonly(np);
    if (!oRo && nRo && pos !== 'input') this.changed('major', 'property-readonly-added', `property ${path} became readonly`, path);
    else if (oRo && !nRo) this.changed('minor', 'property-readonly-removed', `property ${path} is no longer readonly`, path);
    const ot = this.checker.getTypeOfSymbol(op);
    const nt = this.checker.getTypeOfSymbol(np);
    if (this.sameExportRef(op.valueDeclaration, np.valueDeclaration)) return;
    if (isMethod(op) && isMethod(np)) {
      this.compareCallable(ot.getCallSignatures(), nt.getCallSignatures(), ot, nt, pos, path, depth + 1);
      return;
    }
    if (oOpt !== nOpt) {
      // optionality already classified; compare the non-undefined parts only
      this.compareTypes(ot.getNonNullableType(), nt.getNonNullableType(), pos, path, depth + 1);
      return;
    }
    this.compareTypes(ot, nt, pos, path, depth + 1);
  }

  // ---- callables ---------------------------------------------------------------------------------

  /**
   * Compare call signatures. `pos` is the position of the function value itself: `output` when the
   * consumer calls it (its parameters are inputs), `input` when the consumer supplies it (a callback:
   * its parameters are outputs), `both` when it must not change.
   */
  private compareCallable(
    oSigs: readonly ts.Signature[],
    nSigs: readonly ts.Signature[],
    ot: ts.Type,
    nt: ts.Type,
    pos: Position,
    member: string,
    depth = 0,
  ): void {
    const where = member === '' ? '' : `${member}: `;
    if (oSigs.length !== 1 || nSigs.length !== 1) {
      const oText = new Set(oSigs.map((s) => this.checker.signatureToString(s, undefined, FORMAT)));
      const nText = new Set(nSigs.map((s) => this.checker.signatureToString(s, undefined, FORMAT)));
      for (const s of oText) {
        if (!nText.has(s)) this.changed('major', 'overload-removed', `${where}overload ${s} was removed or changed`, member);
      }
      for (const s of nText) {
        if (!oText.has(s)) this.changed(pos === 'output' ? 'minor' : 'major', 'overload-added', `${where}overload ${s} was added`, member);
      }
      return;
    }
    const os = oSigs[0]!;
    const ns = nSigs[0]!;
    const oTps = os.getTypeParameters() ?? [];
    const nTps = ns.getTypeParameters() ?? [];
    if (oTps.length > 0 || nTps.length > 0) {
      this.compareTypeParams(
        oTps.map((t) => t.getSymbol()?.declarations?.[0]).filter(isTypeParam),
        nTps.map((t) => t.getSymbol()?.declarations?.[0]).filter(isTypeParam),
        member,
        pos === 'output' ? 'input' : 'output',
      );
      const before = this.changes.length;
      this.compareParamCounts(os, ns, pos, member);
      if (this.changes.length > before) return;
      const oText = this.checker.signatureToString(os, undefined, FORMAT);
      const nText = this.checker.signatureToString(ns, undefined, FORMAT);
      if (oText === nText) return;
      // Generic signatures: the checker unifies type parameters when relating whole function types.
      const o2n = this.assignable(ot, nt);
      const n2o = this.assignable(nt, ot);
      if (o2n && n2o) this.changed('patch', 'signature-equivalent', `${where}signature rewritten equivalently (${oText} -> ${nText})`, member);
      else if (pos === 'output' && n2o) this.changed('minor', 'signature-compatible', `${where}signature changed compatibly (${oText} -> ${nText})`, member);
      else if (pos === 'input' && o2n) this.changed('minor', 'signature-compatible', `${where}callback signature changed compatibly (${oText} -> ${nText})`, member);
      else this.changed('major', 'signature-incompatible', `${where}signature changed incompatibly (${oText} -> ${nText})`, member);
      return;
    }
    if (pos === 'both') {
      const oText = this.checker.signatureToString(os, undefined, FORMAT);
      const nText = this.checker.signatureToString(ns, undefined, FORMAT);
      if (oText !== nText && !(this.assignable(ot, nt) && this.assignable(nt, ot))) {
        this.changed('major', 'signature-changed-invariant', `${where}signature changed where it is both called and supplied (${oText} -> ${nText})`, member);
      }
      return;
    }
    this.compareParamCounts(os, ns, pos, member);
    const paramPos: Position = pos === 'output' ? 'input' : 'output';
    const oParams = os.getParameters();
    const nParams = ns.getParameters();
    const common = Math.min(oParams.length, nParams.length);
    for (let i = 0; i < common; i++) {
      const op = oParams[i]!;
      const np = nParams[i]!;
      const label = join(member, `param ${i + 1} (${np.getName()})`);
      const oOpt = isOptionalParam(op);
      const nOpt = isOptionalParam(np);
      if (pos === 'output') {
        if (oOpt && !nOpt) this.changed('major', 'param-optional-to-required', `${where}parameter ${np.getName()} became required`, label);
        else if (!oOpt && nOpt) this.changed('minor', 'param-required-to-optional', `${where}parameter ${np.getName()} became optional`, label);
      } else if (oOpt !== nOpt) {
        this.changed(oOpt ? 'minor' : 'major', 'callback-param-optionality', `${where}callback parameter ${np.getName()} optionality changed`, label);
      }
      if (op.getName() !== np.getName()) {
        this.changed('patch', 'param-renamed', `${where}parameter ${op.getName()} renamed to ${np.getName()}`, label);
      }
      if (this.sameExportRef(op.valueDeclaration, np.valueDeclaration)) continue;
      const opt = this.checker.getTypeOfSymbol(op);
      const npt = this.checker.getTypeOfSymbol(np);
      const strip = oOpt !== nOpt;
      this.compareTypes(strip ? opt.getNonNullableType() : opt, strip ? npt.getNonNullableType() : npt, paramPos, label, depth + 1);
    }
    if (!this.sameExportRef(os.getDeclaration().type, ns.getDeclaration().type)) {
      this.compareTypes(os.getReturnType(), ns.getReturnType(), pos, join(member, 'return'), depth + 1);
    }
  }

  private compareParamCounts(os: ts.Signature, ns: ts.Signature, pos: Position, member: string): void {
    const where = member === '' ? '' : `${member}: `;
    const oParams = os.getParameters();
    const nParams = ns.getParameters();
    if (pos === 'output') {
      for (let i = oParams.length; i < nParams.length; i++) {
        const p = nParams[i]!;
        const label = join(member, `param ${i + 1} (${p.getName()})`);
        if (isOptionalParam(p)) this.changed('minor', 'param-optional-added', `${where}optional parameter ${p.getName()} was added`, label);
        else this.changed('major', 'param-required-added', `${where}required parameter ${p.getName()} was added`, label);
      }
      if (nParams.length < oParams.length && !isRestParam(nParams[nParams.length - 1])) {
        const names = oParams.slice(nParams.length).map((p) => p.getName()).join(', ');
        this.changed('major', 'param-removed', `${where}parameter(s) ${names} removed: existing calls pass too many arguments`, member);
      }
    } else if (pos === 'input') {
      for (let i = oParams.length; i < nParams.length; i++) {
        this.changed('minor', 'callback-param-added', `${where}callback now receives parameter ${nParams[i]!.getName()}`, member);
      }
      if (nParams.length < oParams.length) {
        this.changed('major', 'callback-param-removed', `${where}callback no longer receives ${oParams.slice(nParams.length).map((p) => p.getName()).join(', ')}`, member);
      }
    }
  }

  private compareTypeParams(
    o: readonly ts.TypeParameterDeclaration[],
    n: readonly ts.TypeParameterDeclaration[],
    member: string,
    argPos: Position,
  ): void {
    const where = member === '' ? '' : `${member}: `;
    for (let i = o.length; i < n.length; i++) {
      const tp = n[i]!;
      if (tp.default) this.changed('minor', 'type-param-added-with-default', `${where}type parameter ${tp.name.text} added with a default`, member);
      else this.changed('major', 'type-param-added', `${where}required type parameter ${tp.name.text} added`, member);
    }
    if (n.length < o.length) this.changed('major', 'type-param-removed', `${where}type parameter(s) removed`, member);
    for (let i = 0; i < Math.min(o.length, n.length); i++) {
      const a = o[i]!;
      const b = n[i]!;
      const ac = a.constraint ? this.checker.getTypeAtLocation(a.constraint) : undefined;
      const bc = b.constraint ? this.checker.getTypeAtLocation(b.constraint) : undefined;
      const act = a.constraint?.getText() ?? '';
      const bct = b.constraint?.getText() ?? '';
      if (act !== bct) {
        const unknownT = this.checker.getUnknownType();
        const ot = ac ?? unknownT;
        const nt = bc ?? unknownT;
        const widened = this.assignable(ot, nt);
        const narrowed = this.assignable(nt, ot);
        if (widened && narrowed) this.changed('patch', 'constraint-equivalent', `${where}constraint of ${b.name.text} rewritten equivalently`, member);
        else if (widened && argPos === 'input') this.changed('minor', 'constraint-widened', `${where}constraint of ${b.name.text} widened (${act || 'none'} -> ${bct || 'none'})`, member);
        else this.changed('major', 'constraint-narrowed', `${where}constraint of ${b.name.text} narrowed or changed (${act || 'none'} -> ${bct || 'none'})`, member);
      }
      const ad = a.default?.getText();
      const bd = b.default?.getText();
      if (ad === undefined && bd !== undefined) this.changed('minor', 'type-param-default-added', `${where}type parameter ${b.name.text} got a default`, member);
      else if (ad !== undefined && bd === undefined) this.changed('major', 'type-param-default-removed', `${where}default of type parameter ${b.name.text} removed`, member);
      else if (ad !== bd) this.changed('major', 'type-param-default-changed', `${where}default of type parameter ${b.name.text} changed (${ad ?? ''} -> ${bd ?? ''})`, member);
    }
  }

  // ---- classes, enums, namespaces ---------------------------------------------------------------

  private compareClass(o: ts.Symbol, n: ts.Symbol): void {
    const oDecl = o.declarations?.find(ts.isClassDeclaration);
    const nDecl = n.declarations?.find(ts.isClassDeclaration);
    const oAbstract = oDecl ? hasModifier(oDecl, ts.SyntaxKind.AbstractKeyword) : false;
    const nAbstract = nDecl ? hasModifier(nDecl, ts.SyntaxKind.AbstractKeyword) : false;
    if (!oAbstract && nAbstract) this.changed('major', 'class-made-abstract', `class ${o.getName()} became abstract: it can no longer be constructed`);
    else if (oAbstract && !nAbstract) this.changed('minor', 'class-made-concrete', `class ${o.getName()} is no longer abstract`);
    this.compareTypeParams(typeParamsOf(o), typeParamsOf(n), '', 'input');
    const ostatic = this.checker.getTypeOfSymbol(o);
    const nstatic = this.checker.getTypeOfSymbol(n);
    const oCtor = ostatic.getConstructSignatures();
    const nCtor = nstatic.getConstructSignatures();
    if (oCtor.length > 0 && nCtor.length > 0) this.compareConstructors(oCtor, nCtor);
    this.compareClassMembers(ostatic, nstatic, 'static ', true);
    const oInst = this.checker.getDeclaredTypeOfSymbol(o);
    const nInst = this.checker.getDeclaredTypeOfSymbol(n);
    this.compareClassMembers(oInst, nInst, '', false);
  }

  private compareConstructors(o: readonly ts.Signature[], n: readonly ts.Signature[]): void {
    // Compare constructor parameters like a function called by the consumer; the return (the
    // instance) is compared member by member.
    if (o.length !== 1 || n.length !== 1) {
      this.compareCallable(o, n, this.checker.getUnknownType(), this.checker.getUnknownType(), 'output', 'constructor');
      return;
    }
    const os = o[0]!;
    const ns = n[0]!;
    this.compareParamCounts(os, ns, 'output', 'constructor');
    const oParams = os.getParameters();
    const nParams = ns.getParameters();
    for (let i = 0; i < Math.min(oParams.length, nParams.length); i++) {
      const op = oParams[i]!;
      const np = nParams[i]!;
      const label = `constructor param ${i + 1} (${np.getName()})`;
      const oOpt = isOptionalParam(op);
      const nOpt = isOptionalParam(np);
      if (oOpt && !nOpt) this.changed('major', 'param-optional-to-required', `constructor parameter ${np.getName()} became required`, label);
      else if (!oOpt && nOpt) this.changed('minor', 'param-required-to-optional', `constructor parameter ${np.getName()} became optional`, label);
      const opt = this.checker.getTypeOfSymbol(op);
      const npt = this.checker.getTypeOfSymbol(np);
      this.compareTypes(oOpt !== nOpt ? opt.getNonNullableType() : opt, oOpt !== nOpt ? npt.getNonNullableType() : npt, 'input', label, 1);
    }
  }

  private compareClassMembers(o: ts.Type, n: ts.Type, prefix: string, isStatic: boolean): void {
    const skip = (p: ts.Symbol): boolean => isStatic && p.getName() === 'prototype';
    const oProps = new Map(o.getProperties().filter((p) => !skip(p)).map((p) => [p.getName(), p]));
    const nProps = new Map(n.getProperties().filter((p) => !skip(p)).map((p) => [p.getName(), p]));
    for (const [name, op] of oProps) {
      const path = `${prefix}${name}`;
      const np = nProps.get(name);
      const ov = visibility(op);
      if (!np) {
        if (ov === 'private') this.changed('patch', 'private-member-removed', `private member ${path} was removed`, path);
        else this.changed('major', 'member-removed', `${ov} member ${path} was removed`, path);
        continue;
      }
      const nv = visibility(np);
      if (ov === 'private' && nv === 'private') continue;
      if (rank(nv) < rank(ov)) {
        this.changed('major', 'member-visibility-reduced', `member ${path} went from ${ov} to ${nv}`, path);
        continue;
      }
      if (rank(nv) > rank(ov)) this.changed('minor', 'member-visibility-increased', `member ${path} went from ${ov} to ${nv}`, path);
      if (ov === 'private') continue;
      const oAbs = isAbstract(op);
      const nAbs = isAbstract(np);
      if (!oAbs && nAbs) this.changed('major', 'member-made-abstract', `member ${path} became abstract: subclasses must implement it`, path);
      const pos: Position = isMethod(op) || isReadonly(op) || isGetterOnly(op) ? 'output' : 'both';
      this.compareProperty(op, np, pos, path, 1);
    }
    for (const [name, np] of nProps) {
      if (oProps.has(name)) continue;
      const path = `${prefix}${name}`;
      const nv = visibility(np);
      if (nv === 'private') this.changed('patch', 'private-member-added', `private member ${path} was added`, path);
      else if (isAbstract(np)) this.changed('major', 'abstract-member-added', `abstract member ${path} was added: subclasses must implement it`, path);
      else this.changed('minor', 'member-added', `${nv} member ${path} was added`, path);
    }
  }

  private compareEnum(o: ts.Symbol, n: ts.Symbol): void {
    const oConst = isConstEnum(o);
    const nConst = isConstEnum(n);
    if (oConst !== nConst) this.changed('major', 'enum-constness-changed', `enum ${o.getName()} ${nConst ? 'became' : 'is no longer'} a const enum`);
    const members = (s: ts.Symbol): Map<string, string | number | undefined> => {
      const m = new Map<string, string | number | undefined>();
      for (const d of s.declarations ?? []) {
        if (!ts.isEnumDeclaration(d)) continue;
        for (const em of d.members) m.set(em.name.getText(), this.checker.getConstantValue(em));
      }
      return m;
    };
    const om = members(o);
    const nm = members(n);
    for (const [k, v] of om) {
      if (!nm.has(k)) this.changed('major', 'enum-member-removed', `enum member ${k} was removed`, k);
      else if (nm.get(k) !== v) this.changed('major', 'enum-member-value-changed', `enum member ${k} changed value (${String(v)} -> ${String(nm.get(k))})`, k);
    }
    for (const k of nm.keys()) if (!om.has(k)) this.changed('minor', 'enum-member-added', `enum member ${k} was added`, k);
  }

  private compareNamespace(o: ts.Symbol, n: ts.Symbol): void {
    const oe = new Set(this.checker.getExportsOfModule(o).map((s) => s.getName()));
    const ne = new Set(this.checker.getExportsOfModule(n).map((s) => s.getName()));
    for (const k of oe) if (!ne.has(k)) this.changed('major', 'namespace-member-removed', `namespace member ${k} was removed`, k);
    for (const k of ne) if (!oe.has(k)) this.changed('minor', 'namespace-member-added', `namespace member ${k} was added`, k);
  }
}

// ---- helpers -------------------------------------------------------------------------------------

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function isPlainObject(t: ts.Type): boolean {
  return (t.flags & ts.TypeFlags.Object) !== 0 && !t.isUnionOrIntersection();
}

function isOptional(p: ts.Symbol): boolean {
  return (p.flags & ts.SymbolFlags.Optional) !== 0;
}

function isOptionalParam(p: ts.Symbol): boolean {
  const d = p.valueDeclaration;
  if (d && ts.isParameter(d)) return d.questionToken !== undefined || d.initializer !== undefined || d.dotDotDotToken !== undefined;
  return (p.flags & ts.SymbolFlags.Optional) !== 0;
}

function isRestParam(p: ts.Symbol | undefined): boolean {
  const d = p?.valueDeclaration;
  return d !== undefined && ts.isParameter(d) && d.dotDotDotToken !== undefined;
}

function modifierFlags(p: ts.Symbol): ts.ModifierFlags {
  const d = p.valueDeclaration ?? p.declarations?.[0];
  return d ? ts.getCombinedModifierFlags(d) : ts.ModifierFlags.None;
}

function isReadonly(p: ts.Symbol): boolean {
  if (modifierFlags(p) & ts.ModifierFlags.Readonly) return true;
  const d = p.valueDeclaration;
  return d !== undefined && ts.isVariableDeclaration(d) && isConst(p);
}

function isGetterOnly(p: ts.Symbol): boolean {
  return (p.flags & ts.SymbolFlags.GetAccessor) !== 0 && (p.flags & ts.SymbolFlags.SetAccessor) === 0;
}

function isAccessor(p: ts.Symbol): boolean {
  return (p.flags & ts.SymbolFlags.Accessor) !== 0;
}

function isAbstract(p: ts.Symbol): boolean {
  return (modifierFlags(p) & ts.ModifierFlags.Abstract) !== 0;
}

function isMethod(p: ts.Symbol): boolean {
  return (p.flags & ts.SymbolFlags.Method) !== 0;
}

function visibility(p: ts.Symbol): 'public' | 'protected' | 'private' {
  const d = p.valueDeclaration ?? p.declarations?.[0];
  if (d && (d as ts.NamedDeclaration).name && ts.isPrivateIdentifier((d as ts.NamedDeclaration).name!)) return 'private';
  const f = modifierFlags(p);
  if (f & ts.ModifierFlags.Private) return 'private';
  if (f & ts.ModifierFlags.Protected) return 'protected';
  return 'public';
}

function rank(v: 'public' | 'protected' | 'private'): number {
  return v === 'public' ? 2 : v === 'protected' ? 1 : 0;
}

function hasModifier(d: ts.HasModifiers, kind: ts.SyntaxKind): boolean {
  return (ts.getModifiers(d) ?? []).some((m) => m.kind === kind);
}

function isConst(s: ts.Symbol): boolean {
  const d = s.valueDeclaration;
  return d !== undefined && ts.isVariableDeclaration(d) && (ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const) !== 0;
}

function isConstEnum(s: ts.Symbol): boolean {
  return (s.flags & ts.SymbolFlags.ConstEnum) !== 0;
}

function isTypeParam(d: ts.Declaration | undefined): d is ts.TypeParameterDeclaration {
  return d !== undefined && ts.isTypeParameterDeclaration(d);
}

/** Type parameters declared by an interface, type alias or class symbol. */
export function typeParamsOf(s: ts.Symbol): ts.TypeParameterDeclaration[] {
  for (const d of s.declarations ?? []) {
    if ((ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d) || ts.isClassDeclaration(d)) && d.typeParameters) {
      return [...d.typeParameters];
    }
  }
  return [];
}

function declText(s: ts.Symbol): string {
  return (s.declarations ?? []).map((d) => d.getText().replace(/\s+/gu, ' ')).join('\n');
}
