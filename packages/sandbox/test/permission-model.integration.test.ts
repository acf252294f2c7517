// The sandbox runtime itself: it uses the permission switch the running Node understands, and it
// refuses to run any task when the permission model is not in force (a Worker started without it).
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { permissionSwitch } from '../src/index.js';
import { FIXTURE } from './helpers.js';

const ENTRY = fileURLToPath(new URL('../runtime/worker-entry.mjs', import.meta.url));

describe('permission model', () => {
  it(`picks the switch of the running Node (${process.version})`, () => {
    const major = Number(process.versions.node.split('.')[0]);
    if (major === 20) expect(permissionSwitch()).toBe('--experimental-permission');
    if (major >= 23) expect(permissionSwitch()).toBe('--permission');
    expect(process.allowedNodeEnvironmentFlags.has(permissionSwitch())).toBe(true);
  });

  it('the worker runtime refuses every task when the model is not in force', async () => {
    const runner = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.entry).then(async (m) => {
        parentPort.postMessage(await m.default({ task: 'echo', payload: { n: 1 } }));
      });`;
    const worker = new Worker(runner, {
      eval: true,
      env: {},
      workerData: { entry: pathToFileURL(ENTRY).href, moduleUrl: FIXTURE.href, periphery: 'unprotected', portMarker: 'x' },
    });
    try {
      const outcome = await new Promise<unknown>((resolve, reject) => {
        worker.on('message', (m: unknown) => {
          if (typeof m === 'object' && m !== null && 'ok' in m) resolve(m);
        });
        worker.once('error', reject);
      });
      expect(outcome).toMatchObject({ ok: false, error: { code: 'SANDBOX_VIOLATION', data: { reason: 'no-permission-model' } } });
    } finally {
      await worker.terminate();
    }
  });
});
