/**
 * The event an operator watches: every refusal (SANDBOX_VIOLATION), crash (SANDBOX_CRASH) and timeout
 * of a periphery is published on `sandbox.incident`, so a refused fetch to 169.254.169.254 shows up
 * on the bus and not only in a log line.
 */
import { defineContract } from '@cellular/core';
import { z } from 'zod';

/** Payload of {@link SandboxIncident}. */
export const SandboxIncidentSchema = z.object({
  /** The periphery's cell name. */
  periphery: z.string(),
  /** SANDBOX_VIOLATION (refused), SANDBOX_CRASH (worker or process replaced) or TIMEOUT. */
  code: z.enum(['SANDBOX_VIOLATION', 'SANDBOX_CRASH', 'TIMEOUT']),
  /** Machine-readable reason (`address`, `fs-symlink`, `out-of-memory`, ...). */
  reason: z.string(),
  /** Human-readable message. */
  message: z.string(),
  /** The task running when it happened, when known. */
  task: z.string().optional(),
  /** Milliseconds since the epoch. */
  at: z.number(),
});

/** Published by every periphery for each refusal, crash and timeout. */
export const SandboxIncident = defineContract({
  name: 'sandbox.incident',
  subject: 'sandbox.incident',
  version: 1,
  kind: 'event',
  schema: SandboxIncidentSchema,
  description: 'A periphery refused something, crashed or timed out',
});
