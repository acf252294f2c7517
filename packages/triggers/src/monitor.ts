/**
 * The trigger monitor: reads every source on an interval, judges the rules, publishes each state change
 * on the bus, keeps a bounded history, exports every signal as an OpenTelemetry gauge, and runs the
 * playbooks bound to rules that start firing. Everything it needs (sources, bus, clock, logger, meter)
 * comes in through options.
 */
import { metrics, type Meter } from '@opentelemetry/api';
import { CellularError, silentLogger, systemClock, toCellularError } from '@cellular/core';
import type { CellBus, Clock, Logger } from '@cellular/core';
import { PlaybookReport, TriggerStateChanged } from './contracts.js';
import { describeTransition, type Playbook } from './playbook.js';
import { defineRules, type RuleInput } from './rule.js';
import { RuleEngine, type InstanceStatus, type Transition } from './rule-engine.js';
import type { Signal, SignalSource } from './signal.js';

/** Options for {@link createTriggerMonitor}. */
export interface TriggerMonitorOptions {
  /** Rules (validated at creation: a bad rule throws VALIDATION). */
  readonly rules: readonly RuleInput[];
  readonly sources: readonly SignalSource[];
  /** Where state changes and playbook reports are published. Optional. */
  readonly bus?: Pick<CellBus, 'publish'>;
  readonly playbooks?: readonly Playbook[];
  /** Run non-recommend actions? Defaults to true (dry run): actions other than recommend need explicit opt-in. */
  readonly dryRun?: boolean;
  /** Evaluation interval in ms. Defaults to 5000. */
  readonly intervalMs?: number;
  /** Transitions and reports kept in memory. Defaults to 500. */
  readonly historySize?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** OpenTelemetry meter. Defaults to the global API meter (a no-op without an SDK). */
  readonly meter?: Meter;
}

/** A history entry. */
export type HistoryEntry =
  | { readonly type: 'transition'; readonly transition: Transition }
  | { readonly type: 'playbook'; readonly playbook: string; readonly action: string; readonly outcome: 'recommended' | 'dry-run' | 'done' | 'failed'; readonly report: string; readonly at: number };

/** What {@link TriggerMonitor.snapshot} returns: the latest values and every instance's state. */
export interface MonitorSnapshot {
  readonly at: number | undefined;
  readonly signals: readonly Signal[];
  readonly instances: readonly InstanceStatus[];
}

/** A running (or startable) trigger monitor. */
export interface TriggerMonitor {
  /** Evaluate once now; returns the transitions. Also what the interval calls. */
  evaluate(): Promise<Transition[]>;
  /** Start the interval (unref'd: it never keeps the process alive). */
  start(): void;
  stop(): void;
  snapshot(): MonitorSnapshot;
  /** Oldest first, at most `historySize`. */
  history(): readonly HistoryEntry[];
}

/**
 * Create a trigger monitor.
 * @throws CellularError VALIDATION for an invalid rule; INVALID_CONFIG for a playbook naming an unknown rule
 */
export function createTriggerMonitor(options: TriggerMonitorOptions): TriggerMonitor {
  const rules = defineRules(options.rules);
  const engine = new RuleEngine(rules);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const dryRun = options.dryRun ?? true;
  const historySize = options.historySize ?? 500;
  const playbooks = options.playbooks ?? [];
  for (const p of playbooks) {
    if (!rules.some((r) => r.name === p.rule)) {
      throw new CellularError('INVALID_CONFIG', `Playbook "${p.name}" answers rule "${p.rule}", which is not defined`, {
        data: { playbook: p.name, rule: p.rule },
      });
    }
  }
  const history: HistoryEntry[] = [];
  const push = (e: HistoryEntry): void => {
    history.push(e);
    if (history.length > historySize) history.splice(0, history.length - historySize);
  };
  let lastSignals: Signal[] = [];
  let lastAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<Transition[]> | undefined;

  const meter = options.meter ?? metrics.getMeter('@cellular/triggers');
  const signalGauge = meter.createObservableGauge('cellular.trigger.signal', { description: 'Latest value of each trigger signal' });
  const stateGauge = meter.createObservableGauge('cellular.trigger.state', { description: '0 inactive, 1 pending, 2 firing' });
  meter.addBatchObservableCallback(
    (result) => {
      for (const s of lastSignals) result.observe(signalGauge, s.value, { signal: s.name, scope: s.scope ?? '' });
      for (const i of engine.status()) {
        result.observe(stateGauge, i.state === 'firing' ? 2 : i.state === 'pending' ? 1 : 0, { rule: i.rule, scope: i.scope });
      }
    },
    [signalGauge, stateGauge],
  );

  const publish = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      logger.warn('trigger monitor could not publish', { error: toCellularError(e).message });
    }
  };

  const runPlaybooks = async (t: Transition): Promise<void> => {
    for (const p of playbooks) {
      if (p.rule !== t.rule || (p.scope !== undefined && p.scope !== t.scope)) continue;
      for (const action of p.actions) {
        const ctx = { transition: t, dryRun };
        let outcome: 'recommended' | 'dry-run' | 'done' | 'failed';
        let report: string;
        if (action.kind === 'recommend') {
          outcome = 'recommended';
          report = action.describe(ctx);
        } else if (dryRun || !action.run) {
          outcome = 'dry-run';
          report = `[dry run] would: ${action.describe(ctx)}`;
        } else {
          try {
            report = await action.run(ctx);
            outcome = 'done';
          } catch (e) {
            outcome = 'failed';
            report = `${action.describe(ctx)} failed: ${toCellularError(e).message}`;
          }
        }
        const at = clock.now();
        push({ type: 'playbook', playbook: p.name, action: action.kind, outcome, report, at });
        logger.info(report, { playbook: p.name, outcome });
        if (options.bus) {
          const bus = options.bus;
          await publish(() => bus.publish(PlaybookReport, { playbook: p.name, rule: t.rule, scope: t.scope, action: action.kind, outcome, report, at }));
        }
      }
    }
  };

  const evaluateOnce = async (): Promise<Transition[]> => {
    const signals: Signal[] = [];
    for (const source of options.sources) {
      try {
        signals.push(...(await source.read()));
      } catch (e) {
        logger.warn(`signal source "${source.name}" failed; skipped this round`, { error: toCellularError(e).message });
      }
    }
    const now = clock.now();
    lastSignals = signals;
    lastAt = now;
    const transitions = engine.evaluate(signals, now);
    for (const t of transitions) {
      push({ type: 'transition', transition: t });
      logger.info(describeTransition(t), { rule: t.rule, scope: t.scope, to: t.to });
      if (options.bus) {
        const bus = options.bus;
        await publish(() => bus.publish(TriggerStateChanged, { ...t, value: t.value }));
      }
      if (t.to === 'firing') await runPlaybooks(t);
    }
    return transitions;
  };

  return {
    evaluate(): Promise<Transition[]> {
      // Never overlap two evaluations (a slow source must not pile up rounds).
      running ??= evaluateOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        void this.evaluate();
      }, options.intervalMs ?? 5000);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    snapshot: () => ({ at: lastAt, signals: lastSignals, instances: engine.status() }),
    history: () => history,
  };
}
