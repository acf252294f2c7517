import { describe, expect, it } from 'vitest';
import { CellularError } from '@cellular/core';
import { DEFAULT_RULES, defineRules, type RuleInput } from './rule.js';
import { conditionOf, RuleEngine, type Transition } from './rule-engine.js';

const cpu = (value: number, scope?: string) => [{ name: 'process.cpu_percent', value, ...(scope ? { scope } : {}) }];
const rule = (over: Partial<RuleInput> = {}): RuleInput => ({ name: 'cpu', signal: 'process.cpu_percent', op: '>', threshold: 75, ...over });
const tos = (ts: Transition[]) => ts.map((t) => `${t.scope || '-'}:${t.to}`);

describe('defineRules', () => {
  it('parses durations and fills defaults', () => {
    const [r] = defineRules([rule({ for: '5m', keepFiringFor: '30s' })]);
    expect(r).toMatchObject({ for: 300_000, keepFiringFor: 30_000, tolerance: 0, severity: 'warning' });
  });
  it('accepts the seeds defaults', () => {
    expect(defineRules(DEFAULT_RULES).map((r) => r.name)).toContain('cpu-sustained');
  });
  it.each([
    [{ op: '>>' }, 'op'],
    [{ threshold: 'high' }, 'threshold'],
    [{ for: '5 minutes' }, 'for'],
    [{ tolerance: 2 }, 'tolerance'],
    [{ name: 'Bad Name' }, 'name'],
    [{ extra: true }, ''],
  ])('refuses %j with a VALIDATION error naming the field', (over, field) => {
    try {
      defineRules([rule(over as Partial<RuleInput>)]);
      expect.unreachable();
    } catch (e) {
      expect(CellularError.is(e, 'VALIDATION')).toBe(true);
      expect((e as Error).message).toContain(`"0.${field}`.replace(/\.$/u, ''));
    }
  });
  it('refuses duplicate names', () => {
    expect(() => defineRules([rule(), rule()])).toThrow(/Duplicate trigger rule name "cpu"/);
  });
});

describe('conditionOf', () => {
  it('applies the tolerance band: no decision inside it', () => {
    const r = { op: '>' as const, threshold: 100, tolerance: 0.1 };
    expect(conditionOf(r, 111)).toBe(true);
    expect(conditionOf(r, 105)).toBeUndefined();
    expect(conditionOf(r, 95)).toBeUndefined();
    expect(conditionOf(r, 90)).toBe(false);
    expect(conditionOf({ op: '<', threshold: 10, tolerance: 0.5 }, 4)).toBe(true);
    expect(conditionOf({ op: '==', threshold: 1, tolerance: 0.5 }, 1)).toBe(true);
  });
});

describe('RuleEngine (Prometheus semantics, fake time)', () => {
  it('goes pending, then firing only after `for` has held', () => {
    const e = new RuleEngine(defineRules([rule({ for: '5m' })]));
    expect(tos(e.evaluate(cpu(90), 0))).toEqual(['-:pending']);
    expect(e.evaluate(cpu(90), 299_999)).toEqual([]);
    expect(tos(e.evaluate(cpu(91), 300_000))).toEqual(['-:firing']);
    expect(e.status()[0]).toMatchObject({ state: 'firing', firingSince: 300_000, activeSince: 0 });
  });

  it('drops back to inactive when the condition breaks while pending (not sustained)', () => {
    const e = new RuleEngine(defineRules([rule({ for: '5m' })]));
    e.evaluate(cpu(90), 0);
    expect(tos(e.evaluate(cpu(50), 60_000))).toEqual(['-:inactive']);
    expect(tos(e.evaluate(cpu(90), 120_000))).toEqual(['-:pending']);
    expect(e.evaluate(cpu(90), 419_999)).toEqual([]);
    expect(e.evaluate(cpu(90), 420_000).map((t) => t.to)).toEqual(['firing']);
  });

  it('keeps firing for keepFiringFor after the condition clears, then resolves', () => {
    const e = new RuleEngine(defineRules([rule({ keepFiringFor: '2m' })]));
    expect(tos(e.evaluate(cpu(90), 0))).toEqual(['-:firing']);
    expect(e.evaluate(cpu(10), 60_000)).toEqual([]);
    expect(e.evaluate(cpu(10), 119_999)).toEqual([]);
    const [t] = e.evaluate(cpu(10), 120_000);
    expect(t).toMatchObject({ from: 'firing', to: 'resolved', value: 10, threshold: 75 });
  });

  it('does not flap inside the tolerance band (hysteresis)', () => {
    const e = new RuleEngine(defineRules([rule({ tolerance: 0.1 })]));
    expect(e.evaluate(cpu(80), 0)).toEqual([]); // inside 67.5..82.5: no decision
    expect(tos(e.evaluate(cpu(83), 1))).toEqual(['-:firing']);
    const noise = [80, 70, 82, 68, 76];
    noise.forEach((v, i) => expect(e.evaluate(cpu(v), 10 + i)).toEqual([]));
    expect(tos(e.evaluate(cpu(67), 100))).toEqual(['-:resolved']);
  });

  it('judges each scope separately, or only the rule scope', () => {
    const e = new RuleEngine(defineRules([rule(), rule({ name: 'only-search', scope: 'search' })]));
    const ts = e.evaluate([...cpu(90, 'search'), ...cpu(10, 'library'), ...cpu(95, 'fetcher')], 0);
    expect(ts.map((t) => `${t.rule}/${t.scope}:${t.to}`).sort()).toEqual(['cpu/fetcher:firing', 'cpu/search:firing', 'only-search/search:firing']);
  });

  it('resolves an instance whose signal disappears', () => {
    const e = new RuleEngine(defineRules([rule()]));
    e.evaluate(cpu(90, 'x'), 0);
    expect(tos(e.evaluate([], 1))).toEqual(['x:resolved']);
  });
});
