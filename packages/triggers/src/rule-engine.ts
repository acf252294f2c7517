/**
 * The rule engine is a pure state machine over (rule, scope) instances: `evaluate(signals, now)`
 * returns the transitions. No timers inside, so tests drive it with any clock and the monitor decides
 * how often to tick.
 */
import type { Rule } from './rule.js';
import type { Signal } from './signal.js';

/** State of one rule instance. */
export type TriggerState = 'inactive' | 'pending' | 'firing';

/** A change of state, as published on the bus and kept in the history. */
export interface Transition {
  readonly rule: string;
  /** Scope of the instance ('' when unscoped). */
  readonly scope: string;
  readonly from: TriggerState;
  /** `resolved` is firing -> inactive; `inactive` is pending -> inactive (the condition did not hold long enough). */
  readonly to: 'pending' | 'firing' | 'resolved' | 'inactive';
  readonly at: number;
  /** Signal value at the transition (undefined when the signal disappeared). */
  readonly value: number | undefined;
  readonly threshold: number;
  readonly op: Rule['op'];
  readonly severity: Rule['severity'];
  readonly summary: string;
  readonly signal: string;
  readonly detail?: string;
}

/** Current view of one rule instance. */
export interface InstanceStatus {
  readonly rule: string;
  readonly scope: string;
  readonly state: TriggerState;
  readonly value: number | undefined;
  /** When the condition started holding (pending/firing). */
  readonly activeSince: number | undefined;
  /** When the instance started firing. */
  readonly firingSince: number | undefined;
}

interface Instance {
  state: TriggerState;
  condition: boolean;
  activeSince: number | undefined;
  firingSince: number | undefined;
  lastTrue: number | undefined;
  value: number | undefined;
}

/** Judge a value against a rule, honouring the tolerance band; `undefined` means "inside the band: no change". */
export function conditionOf(rule: Pick<Rule, 'op' | 'threshold' | 'tolerance'>, value: number): boolean | undefined {
  const { op, threshold: t, tolerance: tol } = rule;
  const hi = t + Math.abs(t) * tol;
  const lo = t - Math.abs(t) * tol;
  switch (op) {
    case '>':
      return value > hi ? true : value <= lo ? false : tol === 0 ? value > t : undefined;
    case '>=':
      return value >= hi ? true : value < lo ? false : tol === 0 ? value >= t : undefined;
    case '<':
      return value < lo ? true : value >= hi ? false : tol === 0 ? value < t : undefined;
    case '<=':
      return value <= lo ? true : value > hi ? false : tol === 0 ? value <= t : undefined;
    case '==':
      return value === t;
    case '!=':
      return value !== t;
  }
}

/** Evaluates rules over signals; keeps one instance per (rule, scope). */
export class RuleEngine {
  readonly #rules: readonly Rule[];
  readonly #instances = new Map<string, Instance>();

  constructor(rules: readonly Rule[]) {
    this.#rules = rules;
  }

  /** The rules, validated. */
  get rules(): readonly Rule[] {
    return this.#rules;
  }

  /** Evaluate all rules against the current signals at time `now`; returns the transitions. */
  evaluate(signals: readonly Signal[], now: number): Transition[] {
    const transitions: Transition[] = [];
    for (const rule of this.#rules) {
      const matching = signals.filter((s) => s.name === rule.signal && (rule.scope === undefined || s.scope === rule.scope));
      const seenScopes = new Set<string>();
      for (const s of matching) {
        const scope = s.scope ?? '';
        seenScopes.add(scope);
        this.#step(rule, scope, s.value, s.detail, now, transitions);
      }
      // Instances whose signal disappeared: treat as condition false.
      for (const [key, inst] of this.#instances) {
        const [ruleName, scope] = splitKey(key);
        if (ruleName === rule.name && !seenScopes.has(scope) && inst.state !== 'inactive') {
          this.#step(rule, scope, undefined, undefined, now, transitions);
        }
      }
    }
    return transitions;
  }

  /** Status of every instance seen so far. */
  status(): InstanceStatus[] {
    return [...this.#instances].map(([key, i]) => {
      const [rule, scope] = splitKey(key);
      return { rule, scope, state: i.state, value: i.value, activeSince: i.activeSince, firingSince: i.firingSince };
    });
  }

  #step(rule: Rule, scope: string, value: number | undefined, detail: string | undefined, now: number, out: Transition[]): void {
    const key = `${rule.name}\u0000${scope}`;
    let inst = this.#instances.get(key);
    if (!inst) {
      inst = { state: 'inactive', condition: false, activeSince: undefined, firingSince: undefined, lastTrue: undefined, value };
      this.#instances.set(key, inst);
    }
    inst.value = value;
    const judged = value === undefined ? false : conditionOf(rule, value);
    if (judged !== undefined) inst.condition = judged;
    const emit = (to: Transition['to']): void => {
      const t: Transition = {
        rule: rule.name,
        scope,
        from: inst.state,
        to,
        at: now,
        value,
        threshold: rule.threshold,
        op: rule.op,
        severity: rule.severity,
        summary: rule.summary,
        signal: rule.signal,
        ...(detail !== undefined ? { detail } : {}),
      };
      out.push(t);
    };
    if (inst.condition) {
      inst.lastTrue = now;
      if (inst.state === 'inactive') {
        inst.activeSince = now;
        if (rule.for === 0) {
          emit('firing');
          inst.state = 'firing';
          inst.firingSince = now;
        } else {
          emit('pending');
          inst.state = 'pending';
        }
      } else if (inst.state === 'pending' && now - (inst.activeSince ?? now) >= rule.for) {
        emit('firing');
        inst.state = 'firing';
        inst.firingSince = now;
      }
      return;
    }
    if (inst.state === 'pending') {
      emit('inactive');
      inst.state = 'inactive';
      inst.activeSince = undefined;
    } else if (inst.state === 'firing' && now - (inst.lastTrue ?? now) >= rule.keepFiringFor) {
      emit('resolved');
      inst.state = 'inactive';
      inst.activeSince = undefined;
      inst.firingSince = undefined;
    }
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
}
