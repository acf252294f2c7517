// The process tier: a child process started with the permission flags, speaking over IPC
// (advanced serialization). Messages: host->child { t: 'run', id, task, payload } and
// { t: 'cap', ...reply }; child->host { t: 'result', id, ok, value | error } and { t: 'cap', id, op, args }.
import { createCapabilityClient, createTaskContext, createTaskLoader, installGlobals, permissionProblem, runOne, serializeError } from './task-runtime.mjs';

const moduleUrl = process.argv[2];
const periphery = process.argv[3];
const problem = permissionProblem();
const send = (message) => {
  if (process.connected) process.send(message);
};
const client = createCapabilityClient((message) => send({ t: 'cap', ...message }));
const context = createTaskContext(client.call, periphery);
installGlobals(context.fetch);
const getTask = createTaskLoader(moduleUrl);

async function run(message) {
  const outcome = await runOne(problem, getTask, context, message.task, message.payload);
  try {
    send({ t: 'result', id: message.id, ...outcome });
  } catch (error) {
    send({ t: 'result', id: message.id, ok: false, error: serializeError(error) });
  }
}

process.on('message', (message) => {
  if (message === null || typeof message !== 'object') return;
  if (message.t === 'run') void run(message);
  else if (message.t === 'cap') client.onReply(message);
});
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
