/**
 * `@cellular/triggers`: measure the seeds' distribution triggers, judge them with hysteresis, and run
 * the promotion playbook that answers each one.
 * @packageDocumentation
 */
export { SIGNALS, signalSource } from './signal.js';
export type { Signal, SignalSource } from './signal.js';
export { processSignals } from './process-signals.js';
export type { ProcessSignalsOptions } from './process-signals.js';
export { codebaseReportSignals, codebaseSignals, countTokens, measureCodebase } from './codebase.js';
export type { CodebaseReport, CodebaseSignalsOptions, MeasureCodebaseOptions, TokenizerEncoding, UnitSize } from './codebase.js';
export { factSignals, factSignalsOf } from './facts.js';
export { gatewaySignals } from './gateway-signals.js';
export type { GatewayStatsLike } from './gateway-signals.js';
export { DEFAULT_RULES, defineRules, RuleSchema } from './rule.js';
export type { Rule, RuleInput } from './rule.js';
export { conditionOf, RuleEngine } from './rule-engine.js';
export type { InstanceStatus, Transition, TriggerState } from './rule-engine.js';
export { PlaybookReport, TriggerStateChanged } from './contracts.js';
export { definePlaybook, describeTransition, moveToProcess, moveTransport, recommend } from './playbook.js';
export type { ActionContext, Playbook, PlaybookAction, SubjectMover } from './playbook.js';
export { createTriggerMonitor } from './monitor.js';
export type { HistoryEntry, MonitorSnapshot, TriggerMonitor, TriggerMonitorOptions } from './monitor.js';
export { cellSubjects, createSwitchableTransport } from './switchable-transport.js';
export type { SwitchableTransport, SwitchableTransportOptions } from './switchable-transport.js';
export { formatTable } from './report.js';
export type { CheckRow } from './report.js';
export { main as runCli, runCheck } from './check.js';
export type { CheckOptions, CheckResult } from './check.js';
