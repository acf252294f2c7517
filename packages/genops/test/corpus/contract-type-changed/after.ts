import { z } from 'zod';
import { defineContract } from '@cellular/core';
export const Placed = defineContract({ name: 'orders.placed', subject: 'orders.placed', version: 1, kind: 'event', schema: z.object({ id: z.number() }) });
