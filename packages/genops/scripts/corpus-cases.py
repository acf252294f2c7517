# Writes test/corpus/<case>/{before,after}.ts + expected.json. Kept as the source of the corpus so that
# cases are reviewable in one place; the committed files are what the test reads.
import json, os, sys
cases = []
def c(name, rule, before, after, changes, note=''):
    cases.append((name, rule, before.strip() + '\n', after.strip() + '\n', changes, note))

# ---- exports ----
c('export-added-function', 'export-added', 'export function a(): void {}', 'export function a(): void {}\nexport function b(): void {}', {'b': 'minor'})
c('export-removed-function', 'export-removed', 'export function a(): void {}\nexport function b(): void {}', 'export function a(): void {}', {'b': 'major'})
c('export-added-type', 'export-added', 'export interface A { x: string }', 'export interface A { x: string }\nexport type B = string;', {'B': 'minor'})
c('export-removed-type', 'export-removed', 'export interface A { x: string }\nexport type B = string;', 'export interface A { x: string }', {'B': 'major'})
c('export-renamed', 'export-removed', 'export const limit = 5;', 'export const maxLimit = 5;', {'limit': 'major', 'maxLimit': 'minor'})
c('value-to-type-only', 'value-removed', 'class Impl { x = 1 }\nexport { Impl };', 'class Impl { x = 1 }\nexport type { Impl };', {'Impl': 'major'})
c('reexport-added', 'export-added', "export { helper } from './lib.js';", "export { helper, other } from './lib.js';", {'other': 'minor'})
c('reexport-star-removed', 'export-removed', "export * from './lib.js';", "export { helper } from './lib.js';", {'other': 'major', 'Shape': 'major'})
c('no-change-implementation', 'none', 'export function f(a: number): number { return a + 1; }', 'export function f(a: number): number { return 1 + a; }', {})
c('no-change-comment', 'none', '/** Adds. */\nexport function f(a: number): number { return a; }', '/** Adds one, really. */\nexport function f(a: number): number { return a; }', {})
c('internal-change-only', 'none', 'function helper(): number { return 1; }\nexport const X = 1;', 'function helper(): string { return "1"; }\nexport const X = 1;', {})

# ---- function parameters ----
c('param-optional-added', 'param-optional-added', 'export function f(a: string): void {}', 'export function f(a: string, b?: number): void {}', {'f': 'minor'})
c('param-required-added', 'param-required-added', 'export function f(a: string): void {}', 'export function f(a: string, b: number): void {}', {'f': 'major'})
c('param-default-added', 'param-optional-added', 'export function f(a: string): void {}', 'export function f(a: string, b = 3): void {}', {'f': 'minor'})
c('param-removed', 'param-removed', 'export function f(a: string, b: number): void {}', 'export function f(a: string): void {}', {'f': 'major'})
c('param-widened', 'type-widened-input', 'export function f(a: string): void {}', 'export function f(a: string | number): void {}', {'f': 'minor'})
c('param-narrowed', 'type-narrowed-input', 'export function f(a: string | number): void {}', 'export function f(a: string): void {}', {'f': 'major'})
c('param-type-changed', 'type-changed', 'export function f(a: string): void {}', 'export function f(a: boolean): void {}', {'f': 'major'})
c('param-became-optional', 'param-required-to-optional', 'export function f(a: string, b: number): void {}', 'export function f(a: string, b?: number): void {}', {'f': 'minor'})
c('param-became-required', 'param-optional-to-required', 'export function f(a: string, b?: number): void {}', 'export function f(a: string, b: number): void {}', {'f': 'major'})
c('rest-param-added', 'param-optional-added', 'export function f(a: string): void {}', 'export function f(a: string, ...more: string[]): void {}', {'f': 'minor'})
c('param-renamed', 'param-renamed', 'export function f(a: string): void {}', 'export function f(name: string): void {}', {'f': 'patch'})
c('param-literal-union-widened', 'type-widened-input', "export function f(m: 'a' | 'b'): void {}", "export function f(m: 'a' | 'b' | 'c'): void {}", {'f': 'minor'})
c('param-array-element-narrowed', 'type-narrowed-input', 'export function f(xs: (string | number)[]): void {}', 'export function f(xs: string[]): void {}', {'f': 'major'})
c('param-readonly-array-widened', 'type-widened-input', 'export function f(xs: string[]): void {}', 'export function f(xs: readonly string[]): void {}', {'f': 'minor'})
c('param-equivalent-rewrite', 'type-equivalent', 'export function f(a: string | number): void {}', 'export function f(a: number | string | never): void {}', {}, 'order of union members does not matter: no change')

# ---- return types ----
c('return-widened', 'type-widened-output', 'export function f(): string { return ""; }', 'export function f(): string | undefined { return ""; }', {'f': 'major'})
c('return-narrowed', 'type-narrowed-output', 'export function f(): string | undefined { return ""; }', 'export function f(): string { return ""; }', {'f': 'minor'})
c('return-promise-widened', 'type-widened-output', 'export async function f(): Promise<number> { return 1; }', 'export async function f(): Promise<number | null> { return 1; }', {'f': 'major'})
c('return-changed', 'type-changed', 'export function f(): string { return ""; }', 'export function f(): number { return 1; }', {'f': 'major'})
c('return-inferred-widened', 'type-widened-output', 'export function f(x: number) { return x > 0 ? 1 : 2; }', 'export function f(x: number) { return x > 0 ? 1 : x > -1 ? 2 : 3; }', {'f': 'major'})

# ---- overloads ----
c('overload-added', 'overload-added', 'export function f(a: string): string;\nexport function f(a: number): number;\nexport function f(a: unknown): unknown { return a; }', 'export function f(a: string): string;\nexport function f(a: number): number;\nexport function f(a: boolean): boolean;\nexport function f(a: unknown): unknown { return a; }', {'f': 'minor'})
c('overload-removed', 'overload-removed', 'export function f(a: string): string;\nexport function f(a: number): number;\nexport function f(a: unknown): unknown { return a; }', 'export function f(a: string): string;\nexport function f(a: unknown): unknown { return a; }', {'f': 'major'})

# ---- generics ----
c('fn-type-param-added-default', 'type-param-added-with-default', 'export function f<T>(x: T): T { return x; }', 'export function f<T, U = string>(x: T, _u?: U): T { return x; }', {'f': 'minor'})
c('fn-constraint-narrowed', 'constraint-narrowed', 'export function f<T>(x: T): T { return x; }', 'export function f<T extends string>(x: T): T { return x; }', {'f': 'major'})
c('fn-constraint-widened', 'constraint-widened', 'export function f<T extends string>(x: T): T { return x; }', 'export function f<T extends string | number>(x: T): T { return x; }', {'f': 'minor'})
c('type-param-default-added', 'type-param-default-added', 'export interface Box<T> { value: T }', 'export interface Box<T = string> { value: T }', {'Box': 'minor'})
c('type-param-default-changed', 'type-param-default-changed', 'export interface Box<T = string> { value: T }', 'export interface Box<T = number> { value: T }', {'Box': 'major'})
c('type-param-added-required', 'type-param-added', 'export interface Box<T> { value: T }', 'export interface Box<T, U> { value: T; other: U }', {'Box': 'major'})
c('generic-type-prop-added-output', 'property-required-added-output', 'export interface Box<T> { value: T }\nexport function get<T>(v: T): Box<T> { return { value: v }; }', 'export interface Box<T> { value: T; size: number }\nexport function get<T>(v: T): Box<T> { return { value: v, size: 1 }; }', {'Box': 'minor'})
c('generic-type-prop-type-changed', 'type-changed', 'export interface Box<T> { value: T }', 'export interface Box<T> { value: T[] }', {'Box': 'major'})

# ---- position-sensitive object types ----
c('input-required-prop-added', 'property-required-added-input', 'export interface Opts { a: string }\nexport function run(o: Opts): void {}', 'export interface Opts { a: string; b: number }\nexport function run(o: Opts): void {}', {'Opts': 'major'})
c('output-required-prop-added', 'property-required-added-output', 'export interface Res { a: string }\nexport function run(): Res { return { a: "" }; }', 'export interface Res { a: string; b: number }\nexport function run(): Res { return { a: "", b: 1 }; }', {'Res': 'minor'})
c('input-optional-prop-added', 'property-optional-added', 'export interface Opts { a: string }\nexport function run(o: Opts): void {}', 'export interface Opts { a: string; b?: number }\nexport function run(o: Opts): void {}', {'Opts': 'minor'})
c('output-optional-prop-added', 'property-optional-added', 'export interface Res { a: string }\nexport function run(): Res { return { a: "" }; }', 'export interface Res { a: string; b?: number }\nexport function run(): Res { return { a: "" }; }', {'Res': 'minor'})
c('input-prop-widened', 'type-widened-input', 'export interface Opts { a: string }\nexport function run(o: Opts): void {}', 'export interface Opts { a: string | number }\nexport function run(o: Opts): void {}', {'Opts': 'minor'})
c('output-prop-widened', 'type-widened-output', 'export interface Res { a: string }\nexport function run(): Res { return { a: "" }; }', 'export interface Res { a: string | number }\nexport function run(): Res { return { a: "" }; }', {'Res': 'major'})
c('input-prop-narrowed', 'type-narrowed-input', 'export interface Opts { a: string | number }\nexport function run(o: Opts): void {}', 'export interface Opts { a: string }\nexport function run(o: Opts): void {}', {'Opts': 'major'})
c('output-prop-narrowed', 'type-narrowed-output', 'export interface Res { a: string | number }\nexport function run(): Res { return { a: "" }; }', 'export interface Res { a: string }\nexport function run(): Res { return { a: "" }; }', {'Res': 'minor'})
c('input-prop-became-optional', 'property-required-to-optional-input', 'export interface Opts { a: string }\nexport function run(o: Opts): void {}', 'export interface Opts { a?: string }\nexport function run(o: Opts): void {}', {'Opts': 'minor'})
c('output-prop-became-optional', 'property-required-to-optional-output', 'export interface Res { a: string }\nexport function run(): Res { return { a: "" }; }', 'export interface Res { a?: string }\nexport function run(): Res { return {}; }', {'Res': 'major'})
c('input-prop-became-required', 'property-optional-to-required-input', 'export interface Opts { a?: string }\nexport function run(o: Opts): void {}', 'export interface Opts { a: string }\nexport function run(o: Opts): void {}', {'Opts': 'major'})
c('output-prop-became-required', 'property-optional-to-required-output', 'export interface Res { a?: string }\nexport function run(): Res { return {}; }', 'export interface Res { a: string }\nexport function run(): Res { return { a: "" }; }', {'Res': 'minor'})
c('prop-removed-input', 'property-removed', 'export interface Opts { a: string; b?: number }\nexport function run(o: Opts): void {}', 'export interface Opts { a: string }\nexport function run(o: Opts): void {}', {'Opts': 'major'})
c('prop-removed-output', 'property-removed', 'export interface Res { a: string; b: number }\nexport function run(): Res { return { a: "", b: 1 }; }', 'export interface Res { a: string }\nexport function run(): Res { return { a: "" }; }', {'Res': 'major'})
c('union-member-added-input', 'type-widened-input', "export type Mode = 'fast' | 'safe';\nexport function run(m: Mode): void {}", "export type Mode = 'fast' | 'safe' | 'auto';\nexport function run(m: Mode): void {}", {'Mode': 'minor'})
c('union-member-added-output', 'type-widened-output', "export type Status = 'ok' | 'failed';\nexport function status(): Status { return 'ok'; }", "export type Status = 'ok' | 'failed' | 'pending';\nexport function status(): Status { return 'ok'; }", {'Status': 'major'})
c('union-member-removed-input', 'type-narrowed-input', "export type Mode = 'fast' | 'safe';\nexport function run(m: Mode): void {}", "export type Mode = 'fast';\nexport function run(m: Mode): void {}", {'Mode': 'major'})
c('union-member-removed-output', 'type-narrowed-output', "export type Status = 'ok' | 'failed';\nexport function status(): Status { return 'ok'; }", "export type Status = 'ok';\nexport function status(): Status { return 'ok'; }", {'Status': 'minor'})
c('both-positions-widened', 'type-widened-invariant', "export type Level = 'a' | 'b';\nexport function set(l: Level): void {}\nexport function get(): Level { return 'a'; }", "export type Level = 'a' | 'b' | 'c';\nexport function set(l: Level): void {}\nexport function get(): Level { return 'a'; }", {'Level': 'major'})
c('both-positions-optional-added', 'property-optional-added', 'export interface Cfg { a: string }\nexport function set(c: Cfg): void {}\nexport function get(): Cfg { return { a: "" }; }', 'export interface Cfg { a: string; b?: number }\nexport function set(c: Cfg): void {}\nexport function get(): Cfg { return { a: "" }; }', {'Cfg': 'minor'})
c('standalone-required-prop-added', 'property-required-added-input', 'export interface Plugin { name: string }', 'export interface Plugin { name: string; version: number }', {'Plugin': 'major'}, 'an unused exported type may be implemented by consumers: treated as both positions')
c('callback-param-type-widened', 'type-widened-output', 'export interface Event { id: string }\nexport function on(cb: (e: Event) => void): void {}', 'export interface Event { id: string | number }\nexport function on(cb: (e: Event) => void): void {}', {'Event': 'major'}, 'a callback parameter is an output: the library hands it to the consumer')
c('callback-param-prop-added', 'property-required-added-output', 'export interface Event { id: string }\nexport function on(cb: (e: Event) => void): void {}', 'export interface Event { id: string; at: number }\nexport function on(cb: (e: Event) => void): void {}', {'Event': 'minor'})
c('inline-callback-param-widened', 'type-narrowed-input', 'export function on(cb: (e: string) => void): void {}', 'export function on(cb: (e: string | number) => void): void {}', {'on': 'major'})
c('nested-input-required-added', 'property-required-added-input', 'export function run(o: { a: string; inner: { x: number } }): void {}', 'export function run(o: { a: string; inner: { x: number; y: number } }): void {}', {'run': 'major'})
c('nested-output-required-added', 'property-required-added-output', 'export function get(): { a: string; inner: { x: number } } { return { a: "", inner: { x: 1 } }; }', 'export function get(): { a: string; inner: { x: number; y: number } } { return { a: "", inner: { x: 1, y: 2 } }; }', {'get': 'minor'})
c('readonly-added-output', 'property-readonly-added', 'export interface Res { a: string }\nexport function get(): Res { return { a: "" }; }', 'export interface Res { readonly a: string }\nexport function get(): Res { return { a: "" }; }', {'Res': 'major'})
c('method-added-output', 'property-required-added-output', 'export interface Client { get(): string }\nexport function connect(): Client { return { get: () => "" }; }', 'export interface Client { get(): string; close(): void }\nexport function connect(): Client { return { get: () => "", close: () => {} }; }', {'Client': 'minor'})
c('method-added-input', 'property-required-added-input', 'export interface Store { get(k: string): string }\nexport function use(s: Store): void {}', 'export interface Store { get(k: string): string; del(k: string): void }\nexport function use(s: Store): void {}', {'Store': 'major'})
c('method-param-required-added-output', 'param-required-added', 'export interface Client { get(k: string): string }\nexport function connect(): Client { return { get: () => "" }; }', 'export interface Client { get(k: string, v: number): string }\nexport function connect(): Client { return { get: () => "" }; }', {'Client': 'major'})
c('method-param-optional-added-output', 'param-optional-added', 'export interface Client { get(k: string): string }\nexport function connect(): Client { return { get: () => "" }; }', 'export interface Client { get(k: string, v?: number): string }\nexport function connect(): Client { return { get: () => "" }; }', {'Client': 'minor'})
c('non-exported-type-changed', 'property-required-added-input', 'interface Opts { a: string }\nexport function run(o: Opts): void {}', 'interface Opts { a: string; b: number }\nexport function run(o: Opts): void {}', {'run': 'major'}, 'changes to a non-exported type surface at the export that uses it')
c('type-alias-to-interface', 'none', 'export type P = { a: string };\nexport function f(p: P): void {}', 'export interface P { a: string }\nexport function f(p: P): void {}', {}, 'an equivalent rewrite is not an API change')
c('index-signature-added-input', 'index-signature-added', 'export interface Bag { a: string }\nexport function put(b: Bag): void {}', 'export interface Bag { a: string; [k: string]: string }\nexport function put(b: Bag): void {}', {'Bag': 'major'})

# ---- variables ----
c('const-type-widened', 'type-widened-output', 'export const LIMIT: number = 5;', 'export const LIMIT: number | undefined = 5;', {'LIMIT': 'major'})
c('const-type-narrowed', 'type-narrowed-output', 'export const LIMIT: number | undefined = 5;', 'export const LIMIT: number = 5;', {'LIMIT': 'minor'})
c('const-literal-changed', 'type-changed', "export const MODE = 'a';", "export const MODE = 'b';", {'MODE': 'major'})
c('let-type-widened', 'type-widened-invariant', 'export let level: number = 1;', 'export let level: number | string = 1;', {'level': 'major'})
c('arrow-const-param-added-optional', 'param-optional-added', 'export const f = (a: string): void => {};', 'export const f = (a: string, b?: number): void => {};', {'f': 'minor'})

# ---- enums ----
c('enum-member-added', 'enum-member-added', 'export enum Color { Red, Green }', 'export enum Color { Red, Green, Blue }', {'Color': 'minor'})
c('enum-member-removed', 'enum-member-removed', 'export enum Color { Red, Green, Blue }', 'export enum Color { Red, Green }', {'Color': 'major'})
c('enum-member-value-changed', 'enum-member-value-changed', "export enum Color { Red = 'red', Green = 'green' }", "export enum Color { Red = 'RED', Green = 'green' }", {'Color': 'major'})
c('enum-made-const', 'enum-constness-changed', 'export enum Color { Red, Green }', 'export const enum Color { Red, Green }', {'Color': 'major'})

# ---- classes ----
c('class-method-added', 'member-added', 'export class C { a(): void {} }', 'export class C { a(): void {} b(): void {} }', {'C': 'minor'})
c('class-method-removed', 'member-removed', 'export class C { a(): void {} b(): void {} }', 'export class C { a(): void {} }', {'C': 'major'})
c('class-public-to-protected', 'member-visibility-reduced', 'export class C { a(): void {} }', 'export class C { protected a(): void {} }', {'C': 'major'})
c('class-protected-to-public', 'member-visibility-increased', 'export class C { protected a(): void {} }', 'export class C { a(): void {} }', {'C': 'minor'})
c('class-private-added', 'private-member-added', 'export class C { a(): void {} }', 'export class C { private n = 0; a(): void { this.n++; } }', {'C': 'patch'})
c('class-ctor-required-added', 'param-required-added', 'export class C { constructor(a: string) { void a; } }', 'export class C { constructor(a: string, b: number) { void a; void b; } }', {'C': 'major'})
c('class-ctor-optional-added', 'param-optional-added', 'export class C { constructor(a: string) { void a; } }', 'export class C { constructor(a: string, b?: number) { void a; void b; } }', {'C': 'minor'})
c('class-static-added', 'member-added', 'export class C { static a(): void {} }', 'export class C { static a(): void {} static b(): void {} }', {'C': 'minor'})
c('class-made-abstract', 'class-made-abstract', 'export class C { a(): void {} }', 'export abstract class C { a(): void {} }', {'C': 'major'})
c('class-abstract-member-added', 'abstract-member-added', 'export abstract class C { a(): void {} }', 'export abstract class C { a(): void {} abstract b(): void; }', {'C': 'major'})
c('class-method-param-widened', 'type-widened-input', 'export class C { a(x: string): void {} }', 'export class C { a(x: string | number): void {} }', {'C': 'minor'})
c('class-method-return-widened', 'type-widened-output', 'export class C { a(): string { return ""; } }', 'export class C { a(): string | null { return ""; } }', {'C': 'major'})
c('class-mutable-prop-narrowed', 'type-narrowed-invariant', 'export class C { x: string | number = 1; }', 'export class C { x: string = ""; }', {'C': 'major'})
c('class-readonly-prop-narrowed', 'type-narrowed-output', 'export class C { readonly x: string | number = 1; }', 'export class C { readonly x: string = ""; }', {'C': 'minor'})
c('class-to-interface', 'kind-changed', 'export class C { a = 1; }', 'export interface C { a: number }', {'C': 'major'})

c('class-private-field-nominal', 'none', 'class Sub { private n = 0; id = ""; bump(): void { this.n++; } }\nexport class Host { remove(s: Sub): void { void s; } }', 'class Sub { private n = 1; private extra = true; id = ""; bump(): void { this.n++; void this.extra; } }\nexport class Host { remove(s: Sub): void { void s; } }', {}, 'found by self-diffing @cellular/bus: private members make classes nominal, compare public members only')
c('options-with-private-class-prop', 'none', 'class Store { private data = new Map<string, string>(); get(k: string): string | undefined { return this.data.get(k); } }\nexport interface Opts { store?: Store }\nexport function make(o: Opts): void { void o; }', 'class Store { private data = new Map<string, string>(); get(k: string): string | undefined { return this.data.get(k); } }\nexport interface Opts { store?: Store }\nexport function make(o: Opts): void { void o; }', {}, 'found by self-diffing @cellular/gateway')

# ---- namespaces ----
c('namespace-member-added', 'namespace-member-added', 'export namespace N { export const a = 1; }', 'export namespace N { export const a = 1; export const b = 2; }', {'N': 'minor'})

# ---- zod contracts ----
Z = "import { z } from 'zod';\nimport { defineContract } from '@cellular/core';\n"
def contract(schema, version=1, response=None):
    r = f", response: {response}" if response else ''
    kind = 'query' if response else 'event'
    return Z + f"export const Placed = defineContract({{ name: 'orders.placed', subject: 'orders.placed', version: {version}, kind: '{kind}', schema: {schema}{r} }});"
c('contract-optional-field-added', 'contract-full', contract("z.object({ id: z.string() })"), contract("z.object({ id: z.string(), note: z.string().optional() })"), {'Placed': 'minor'})
c('contract-required-field-added', 'contract-breaking', contract("z.object({ id: z.string() })"), contract("z.object({ id: z.string(), qty: z.number() })"), {'Placed': 'major'}, 'FORWARD only: fails BACKWARD mode without a version bump (violation)')
c('contract-required-field-added-versioned', 'contract-breaking-versioned', contract("z.object({ id: z.string() })"), contract("z.object({ id: z.string(), qty: z.number() })", 2), {'Placed': 'major'})
c('contract-field-removed', 'contract-backward', contract("z.object({ id: z.string(), qty: z.number() })"), contract("z.object({ id: z.string() })"), {'Placed': 'minor'}, 'BACKWARD compatible: new readers accept old messages')
c('contract-enum-widened', 'contract-backward', contract("z.object({ s: z.enum(['a', 'b']) })"), contract("z.object({ s: z.enum(['a', 'b', 'c']) })"), {'Placed': 'minor'})
c('contract-enum-narrowed', 'contract-breaking', contract("z.object({ s: z.enum(['a', 'b']) })"), contract("z.object({ s: z.enum(['a']) })"), {'Placed': 'major'})
c('contract-type-changed', 'contract-breaking', contract("z.object({ id: z.string() })"), contract("z.object({ id: z.number() })"), {'Placed': 'major'})
c('contract-min-length-added', 'contract-breaking', contract("z.object({ id: z.string() })"), contract("z.object({ id: z.string().min(3) })"), {'Placed': 'major'})
c('contract-description-only', 'contract-full', contract("z.object({ id: z.string() })"), contract("z.object({ id: z.string().describe('order id') })"), {'Placed': 'patch'})
c('contract-default-added', 'contract-full', contract("z.object({ tags: z.array(z.string()) })"), contract("z.object({ tags: z.array(z.string()).default([]) })"), {'Placed': 'minor'})
c('contract-response-field-removed', 'contract-backward', contract("z.object({ id: z.string() })", 1, "z.object({ ok: z.boolean(), at: z.number() })"), contract("z.object({ id: z.string() })", 1, "z.object({ ok: z.boolean() })"), {'Placed': 'minor'})
c('contract-added', 'contract-added', Z + "export const A = defineContract({ name: 'a.b', subject: 'a.b', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });", Z + "export const A = defineContract({ name: 'a.b', subject: 'a.b', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });\nexport const B = defineContract({ name: 'a.c', subject: 'a.c', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });", {'B': 'minor'})
c('schema-nullable-removed', 'contract-backward', "import { z } from 'zod';\nexport const User = z.object({ name: z.string().nullable() });", "import { z } from 'zod';\nexport const User = z.object({ name: z.string() });", {'User': 'major'}, 'a bare schema: FORWARD only (old data may hold null), breaking under BACKWARD')


# ---- held-out cases: written after the classifier was built, expectations set from semver reasoning
# before running the tool; their first-run score is reported in the README. ----
HELD = []
def h(name, rule, before, after, changes, note=''):
    HELD.append(name)
    c('h-' + name, rule, before, after, changes, note)
h('interface-extends-base-required-added', 'property-required-added-input', 'export interface Base { a: string }\nexport interface Opts extends Base { x?: number }\nexport function run(o: Opts): void {}', 'export interface Base { a: string; b: string }\nexport interface Opts extends Base { x?: number }\nexport function run(o: Opts): void {}', {'Base': 'major', 'Opts': 'major'})
h('promise-return-narrowed', 'type-narrowed-output', 'export async function f(): Promise<string | null> { return ""; }', 'export async function f(): Promise<string> { return ""; }', {'f': 'minor'})
h('tuple-param-element-optional', 'type-widened-input', 'export function f(x: [string, number]): void {}', 'export function f(x: [string, number?]): void {}', {'f': 'minor'})
h('record-value-widened-input', 'type-widened-input', 'export function f(m: Record<string, string>): void {}', 'export function f(m: Record<string, string | number>): void {}', {'f': 'minor'})
h('class-getter-widened', 'type-widened-output', 'export class C { get x(): string { return ""; } }', 'export class C { get x(): string | undefined { return ""; } }', {'C': 'major'})
h('class-setter-added', 'member-writable', 'export class C { get x(): string { return ""; } }', 'export class C { get x(): string { return ""; } set x(v: string) { void v; } }', {'C': 'minor'})
h('string-enum-member-added', 'enum-member-added', "export enum Mode { A = 'a' }", "export enum Mode { A = 'a', B = 'b' }", {'Mode': 'minor'})
h('function-to-arrow-const', 'none', 'export function f(a: string): number { return a.length; }', 'export const f = (a: string): number => a.length;', {})
h('method-became-optional-output', 'property-required-to-optional-output', 'export interface Client { close(): void }\nexport function connect(): Client { return { close: () => {} }; }', 'export interface Client { close?(): void }\nexport function connect(): Client { return {}; }', {'Client': 'major'})
h('callback-return-narrowed', 'type-narrowed-input', 'export function on(cb: () => string | undefined): void {}', 'export function on(cb: () => string): void {}', {'on': 'major'})
h('callback-return-widened', 'type-widened-input', 'export function on(cb: () => string): void {}', 'export function on(cb: () => string | undefined): void {}', {'on': 'minor'})
h('nullable-param', 'type-widened-input', 'export function f(a: string): void {}', 'export function f(a: string | null): void {}', {'f': 'minor'})
h('default-export-param-added', 'param-required-added', 'export default function (a: string): void {}', 'export default function (a: string, b: number): void {}', {'default': 'major'})
h('namespace-member-removed', 'namespace-member-removed', 'export namespace N { export const a = 1; export const b = 2; }', 'export namespace N { export const a = 1; }', {'N': 'major'})
h('interface-constraint-widened', 'constraint-widened', 'export interface Box<T extends string> { v: T }', 'export interface Box<T extends string | number> { v: T }', {'Box': 'minor'})
h('output-array-element-widened', 'type-widened-output', 'export function f(): string[] { return []; }', 'export function f(): (string | number)[] { return []; }', {'f': 'major'})
h('readonly-array-return', 'type-widened-output', 'export function f(): string[] { return []; }', 'export function f(): readonly string[] { return []; }', {'f': 'major'})
h('const-object-prop-added', 'property-required-added-output', 'export const CONFIG = { a: 1 };', 'export const CONFIG = { a: 1, b: 2 };', {'CONFIG': 'minor'})
h('abstract-to-concrete', 'class-made-concrete', 'export abstract class C { a(): void {} }', 'export class C { a(): void {} }', {'C': 'minor'})
h('literal-return-to-string', 'type-widened-output', "export function f(): 'a' { return 'a'; }", 'export function f(): string { return "a"; }', {'f': 'major'})
h('protected-member-removed', 'member-removed', 'export class C { protected a(): void {} }', 'export class C {}', {'C': 'major'})
h('static-mutable-prop-narrowed', 'type-narrowed-invariant', 'export class C { static level: string | number = 1; }', 'export class C { static level: string = ""; }', {'C': 'major'})
h('inline-param-optional-prop-added', 'property-optional-added', 'export function f(o: { a: string }): void {}', 'export function f(o: { a: string; b?: number }): void {}', {'f': 'minor'})
h('reexport-renamed', 'export-removed', "export { helper as h } from './lib.js';", "export { helper as h2 } from './lib.js';", {'h': 'major', 'h2': 'minor'})
h('type-only-reexport-added', 'export-added', "export { helper } from './lib.js';", "export { helper } from './lib.js';\nexport type { Shape } from './lib.js';", {'Shape': 'minor'})
h('union-param-to-overloads', 'none', 'export function f(a: string | number): string { return String(a); }', 'export function f(a: string): string;\nexport function f(a: number): string;\nexport function f(a: string | number): string { return String(a); }', {'f': 'major'}, 'callers passing string | number no longer compile')
h('interface-index-to-record', 'none', 'export interface Bag { [k: string]: number }\nexport function put(b: Bag): void {}', 'export type Bag = Record<string, number>;\nexport function put(b: Bag): void {}', {})
h('generic-fn-return-narrowed', 'signature-compatible', 'export function first<T>(xs: T[]): T | undefined { return xs[0]; }', 'export function first<T>(xs: readonly T[]): T | undefined { return xs[0]; }', {'first': 'minor'})

out = sys.argv[1]
for name, rule, before, after, changes, note in cases:
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, 'before.ts'), 'w').write(before)
    open(os.path.join(d, 'after.ts'), 'w').write(after)
    order = {'none': 0, 'patch': 1, 'minor': 2, 'major': 3}
    bump = max([v for v in changes.values()], key=lambda v: order[v], default='none')
    exp = {'rule': rule, 'bump': bump, 'changes': [{'export': k, 'bump': v} for k, v in sorted(changes.items())]}
    if note: exp['note'] = note
    if name.startswith('h-'): exp['heldOut'] = True
    open(os.path.join(d, 'expected.json'), 'w').write(json.dumps(exp, indent=2) + '\n')
# shared module for re-export cases
for name in ['reexport-added', 'reexport-star-removed', 'h-reexport-renamed', 'h-type-only-reexport-added']:
    open(os.path.join(out, name, 'lib.ts'), 'w').write('export function helper(): void {}\nexport function other(): void {}\nexport interface Shape { readonly sides: number }\n')
print(len(cases), 'cases')
