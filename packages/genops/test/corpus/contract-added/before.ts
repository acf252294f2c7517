import { z } from 'zod';
import { defineContract } from '@cellular/core';
export const A = defineContract({ name: 'a.b', subject: 'a.b', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });
