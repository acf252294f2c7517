// The piscina task handler for the worker tier. It refuses to run any task when Node's permission
// model is not in force, talks to the host over one MessagePort per worker (sent once through
// piscina's parentPort event channel), and returns results as { ok, value | error } so that error
// codes survive structured cloning.
import { MessageChannel, parentPort, workerData } from 'node:worker_threads';
import { createCapabilityClient, createTaskContext, createTaskLoader, installGlobals, permissionProblem, runOne } from './task-runtime.mjs';

const { moduleUrl, periphery, portMarker } = workerData ?? {};
const problem = permissionProblem();

const channel = new MessageChannel();
const client = createCapabilityClient((message) => channel.port1.postMessage(message));
channel.port1.on('message', (message) => client.onReply(message));
channel.port1.unref();
parentPort?.postMessage({ [portMarker]: true, port: channel.port2 }, [channel.port2]);

const context = createTaskContext(client.call, periphery);
installGlobals(context.fetch);
const getTask = createTaskLoader(moduleUrl);

/** Run one task: `{ task, payload }` in, `{ ok: true, value }` or `{ ok: false, error }` out. */
export default function runTask({ task, payload }) {
  return runOne(problem, getTask, context, task, payload);
}
