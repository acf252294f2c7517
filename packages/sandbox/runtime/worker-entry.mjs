// The piscina task handler for the worker tier. It refuses to run any task when Node's permission
// model is not in force, talks to the host over one MessagePort per worker (sent once through
// piscina's parentPort event channel), and returns results as [value] or { ok: false, error } so that
// error codes survive structured cloning. Tasks arrive as [id, task, payload, deadline]: arrays, not
// objects, because structured cloning writes and reads every property name of an object. It records the id of the task it is running in a shared table
// (SharedArrayBuffer: one [threadId, taskId] pair per worker), so the host can terminate exactly the
// worker running a task that overran its deadline without piscina's per-task AbortSignal cost.
import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { createCapabilityClient, createTaskContext, createTaskLoader, installGlobals, permissionProblem, runOne } from './task-runtime.mjs';

const { moduleUrl, periphery, portMarker, running } = workerData ?? {};
const problem = permissionProblem();

const table = running instanceof SharedArrayBuffer ? new Int32Array(running) : new Int32Array(2);
let slot = -1;
for (let i = 0; i < table.length; i += 2) {
  if (Atomics.compareExchange(table, i, 0, threadId) === 0) {
    slot = i;
    break;
  }
}

const channel = new MessageChannel();
const client = createCapabilityClient((message) => channel.port1.postMessage(message));
channel.port1.on('message', (message) => client.onReply(message));
channel.port1.unref();
parentPort?.postMessage({ [portMarker]: true, port: channel.port2 }, [channel.port2]);

const context = createTaskContext(client.call, periphery);
installGlobals(context.fetch);
const getTask = createTaskLoader(moduleUrl);

const clear = (outcome) => {
  if (slot >= 0) Atomics.store(table, slot + 1, 0);
  return outcome;
};

const okWire = (value) => [value];

/** Run one task: `[id, task, payload, deadline]` in, `[value]` or `{ ok: false, error }` out. */
export default function runTask(message) {
  const id = message[0];
  const deadline = message[3];
  // queued past its deadline: the host has already answered TIMEOUT, so do not start it
  if (typeof deadline === 'number' && Date.now() > deadline) {
    return { ok: false, error: { name: 'CellularError', code: 'TIMEOUT', message: 'expired in the queue' } };
  }
  if (slot >= 0) Atomics.store(table, slot + 1, typeof id === 'number' ? id : 0);
  const outcome = runOne(problem, getTask, context, message[1], message[2], okWire);
  return typeof outcome.then === 'function' ? outcome.then(clear) : clear(outcome);
}
