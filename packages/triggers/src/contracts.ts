/**
 * The events the trigger monitor publishes on the bus, as contracts any cell (or the gateway's admin
 * feed) can subscribe to.
 */
import { z } from 'zod';
import { defineContract } from '@cellular/core';

/** A rule instance changed state (pending, firing, resolved, inactive). */
export const TriggerStateChanged = defineContract({
  name: 'triggers.state_changed',
  subject: 'triggers.state_changed',
  version: 1,
  kind: 'event',
  description: 'A trigger rule instance changed state',
  schema: z.object({
    rule: z.string(),
    scope: z.string(),
    from: z.enum(['inactive', 'pending', 'firing']),
    to: z.enum(['pending', 'firing', 'resolved', 'inactive']),
    at: z.number(),
    value: z.number().optional(),
    threshold: z.number(),
    op: z.string(),
    severity: z.enum(['info', 'warning', 'critical']),
    summary: z.string(),
    signal: z.string(),
    detail: z.string().optional(),
  }),
});

/** A playbook produced a recommendation or ran an action. */
export const PlaybookReport = defineContract({
  name: 'triggers.playbook_report',
  subject: 'triggers.playbook_report',
  version: 1,
  kind: 'event',
  description: 'A playbook recommended or performed a promotion step',
  schema: z.object({
    playbook: z.string(),
    rule: z.string(),
    scope: z.string(),
    action: z.string(),
    /** `recommended` (report only), `dry-run` (would have run), `done`, `failed`. */
    outcome: z.enum(['recommended', 'dry-run', 'done', 'failed']),
    report: z.string(),
    at: z.number(),
  }),
});
