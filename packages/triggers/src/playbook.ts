/**
 * Promotion as code: a playbook binds a rule to actions. `recommend` writes a report with the numbers;
 * the other actions change the running system (move a cell's subjects to another transport, start a
 * cell in its own process) and run only when the monitor is told `dryRun: false` — by default every
 * playbook only says what it would do.
 */
import { CellularError } from '@cellular/core';
import type { Transition } from './rule-engine.js';

/** What an action receives. */
export interface ActionContext {
  readonly transition: Transition;
  readonly dryRun: boolean;
}

/** One step of a playbook. */
export interface PlaybookAction {
  /** `recommend` never changes anything and so always runs; other kinds need `dryRun: false`. */
  readonly kind: 'recommend' | 'move-transport' | 'move-process' | 'custom';
  /** Human-readable description of what the action does for this transition. */
  describe(context: ActionContext): string;
  /** Perform it (never called for non-recommend actions in dry-run). Returns a report line. */
  run?(context: ActionContext): Promise<string>;
}

/** A rule bound to actions. */
export interface Playbook {
  readonly name: string;
  /** Rule name the playbook answers. */
  readonly rule: string;
  /** Only transitions of this scope (cell); unset = any scope. */
  readonly scope?: string;
  readonly actions: readonly PlaybookAction[];
}

/**
 * Declare a playbook.
 * @throws CellularError INVALID_CONFIG when it has no actions or no rule
 */
export function definePlaybook(playbook: Playbook): Playbook {
  if (!playbook.rule) throw new CellularError('INVALID_CONFIG', `Playbook "${playbook.name}" names no rule`);
  if (playbook.actions.length === 0) throw new CellularError('INVALID_CONFIG', `Playbook "${playbook.name}" has no actions`);
  return Object.freeze({ ...playbook, actions: Object.freeze([...playbook.actions]) });
}

const fmt = (v: number | undefined): string => (v === undefined ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(2));

/** The human-readable report of a transition, with the numbers. */
export function describeTransition(t: Transition): string {
  const where = t.scope ? ` for "${t.scope}"` : '';
  return `Rule "${t.rule}"${where} is ${t.to}: ${t.signal} = ${fmt(t.value)} (threshold ${t.op} ${fmt(t.threshold)}${
    t.detail ? `, ${t.detail}` : ''
  }). ${t.summary}`.trim();
}

/** Recommend: a report with the numbers and the suggested next step. Always runs, changes nothing. */
export function recommend(next?: string): PlaybookAction {
  return {
    kind: 'recommend',
    describe: ({ transition }) => `${describeTransition(transition)}${next ? ` Recommended: ${next}` : ''}`,
  };
}

/** Something that can move subjects between transports (see `createSwitchableTransport`). */
export interface SubjectMover {
  move(patterns: readonly string[], to: string): Promise<{ readonly moved: readonly string[] }>;
}

/** Move the given subject patterns (a cell's contracts) to another transport while traffic flows. */
export function moveTransport(options: { readonly mover: SubjectMover; readonly subjects: readonly string[]; readonly to: string; readonly cell?: string }): PlaybookAction {
  const what = options.cell ? `cell "${options.cell}"` : options.subjects.join(', ');
  return {
    kind: 'move-transport',
    describe: () => `Move ${what} (${options.subjects.join(', ')}) to transport "${options.to}"`,
    run: async () => {
      const res = await options.mover.move(options.subjects, options.to);
      return `Moved ${res.moved.length} subject pattern(s) of ${what} to "${options.to}"`;
    },
  };
}

/** Start a cell in its own process (the caller supplies how: a command, a worker, an orchestrator call). */
export function moveToProcess(options: { readonly cell: string; readonly transport: string; readonly start: () => Promise<string> }): PlaybookAction {
  return {
    kind: 'move-process',
    describe: () => `Run cell "${options.cell}" in its own process over "${options.transport}"`,
    run: () => options.start(),
  };
}
