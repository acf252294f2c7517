// Runs inside the sandbox (a piscina worker or a child process), so it is plain JavaScript that
// Node loads without a build or a TypeScript loader, and it imports nothing but Node built-ins.
// Design: the only way out of the sandbox is `call(op, args)`, a request to the host over a
// MessagePort (worker tier) or IPC (process tier); the host checks every call against the grants.

/** Permission scopes that must be denied for the sandbox to run at all. */
const MUST_BE_DENIED = ['child', 'worker', 'fs.write'];

/**
 * Returns null when Node's permission model is in force with the expected denials, or a reason.
 * @returns {string | null}
 */
export function permissionProblem() {
  const permission = process.permission;
  if (permission === undefined || typeof permission.has !== 'function') {
    return 'the Node permission model is not in force (process.permission is missing)';
  }
  for (const scope of MUST_BE_DENIED) {
    if (permission.has(scope)) return `the permission model grants "${scope}"`;
  }
  if (permission.has('fs.read', '/')) return 'the permission model grants read access to /';
  for (const scope of ['addon', 'wasi']) {
    try {
      if (permission.has(scope)) return `the permission model grants "${scope}"`;
    } catch {
      // older Node without this scope: addons are then refused by the model itself
    }
  }
  return null;
}

/** The failed outcome a sandbox returns for every task when the permission model is not in force. */
export function refusedOutcome(problem) {
  return {
    ok: false,
    error: { name: 'CellularError', code: 'SANDBOX_VIOLATION', message: `Refusing to run: ${problem}`, data: { reason: 'no-permission-model' } },
  };
}

const okOutcome = (value) => ({ ok: true, value });
const failed = (error) => ({ ok: false, error: serializeError(error) });

/**
 * Run one task; never throws. Synchronous when the module is loaded and the task returns a plain
 * value (the common case costs no extra promise), a promise otherwise. `ok` wraps a task's value
 * (the worker tier sends `[value]`: no property names to serialize).
 */
export function runOne(problem, getTask, context, task, payload, ok = okOutcome) {
  if (problem !== null) return refusedOutcome(problem);
  let fn;
  try {
    fn = getTask.sync(task);
  } catch (error) {
    return failed(error);
  }
  if (fn === undefined) return getTask(task).then((f) => f(payload, context)).then(ok, failed);
  try {
    const value = fn(payload, context);
    return value !== null && typeof value === 'object' && typeof value.then === 'function' ? Promise.resolve(value).then(ok, failed) : ok(value);
  } catch (error) {
    return failed(error);
  }
}

/** Turn anything thrown into the plain wire form of a CellularError. */
export function serializeError(error) {
  if (error !== null && typeof error === 'object') {
    const e = /** @type {Record<string, unknown>} */ (error);
    const out = {
      name: e.name === 'CellularError' ? 'CellularError' : typeof e.name === 'string' ? e.name : 'Error',
      code: typeof e.code === 'string' ? e.code : undefined,
      message: typeof e.message === 'string' ? e.message : String(error),
    };
    if (e.data !== null && typeof e.data === 'object') {
      try {
        out.data = JSON.parse(JSON.stringify(e.data));
      } catch {
        // data that is not JSON is dropped
      }
    }
    return out;
  }
  return { name: 'Error', message: typeof error === 'string' ? error : 'Non-error value thrown' };
}

function reviveError(wire) {
  const e = new Error(wire.message);
  e.name = wire.name;
  if (wire.code !== undefined) e.code = wire.code;
  if (wire.data !== undefined) e.data = wire.data;
  return e;
}

/**
 * A request/reply client over a port-like channel to the host.
 * @param {(message: unknown) => void} post
 */
export function createCapabilityClient(post) {
  let nextId = 1;
  const pending = new Map();
  return {
    call(op, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        post({ id, op, args });
      });
    },
    onReply(message) {
      const p = pending.get(message.id);
      if (p === undefined) return;
      pending.delete(message.id);
      if (message.ok) p.resolve(message.value);
      else p.reject(reviveError(message.error));
    },
  };
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The granted fetch: same signature as `fetch`, every request checked and made by the host. */
export function createGrantedFetch(call) {
  return async function grantedFetch(input, init) {
    const request = new Request(input, init);
    const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    const redirect = init?.redirect ?? (input instanceof Request ? input.redirect : 'follow');
    const res = await call('fetch', {
      url: request.url,
      method: request.method,
      headers: [...request.headers],
      body,
      redirect,
    });
    const response = new Response(NULL_BODY.has(res.status) ? null : res.body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
    Object.defineProperty(response, 'url', { value: res.url });
    Object.defineProperty(response, 'redirected', { value: res.redirected });
    return response;
  };
}

/** What a task function receives as its second argument. */
export function createTaskContext(call, periphery) {
  const fetch = createGrantedFetch(call);
  return Object.freeze({
    periphery,
    fetch,
    fs: Object.freeze({
      readFile: (path, encoding) => call('readFile', { path, encoding }),
      writeFile: (path, data) => call('writeFile', { path, data }),
      readdir: (path) => call('readdir', { path }),
    }),
  });
}

/** Make the granted fetch the global one and drop other network globals, so libraries use it. */
export function installGlobals(grantedFetch) {
  globalThis.fetch = grantedFetch;
  for (const name of ['WebSocket', 'EventSource']) {
    try {
      delete globalThis[name];
    } catch {
      // not configurable on this Node: leave it
    }
  }
}

function findTask(mod, task) {
  const fn = Object.hasOwn(mod, task) ? mod[task] : undefined;
  if (typeof fn !== 'function') {
    const err = new Error(`The periphery module has no exported task function "${task}"`);
    err.name = 'CellularError';
    err.code = 'NOT_FOUND';
    err.data = { task };
    throw err;
  }
  return fn;
}

/** Load the task module once and find the export named `task`; `.sync(task)` once loaded. */
export function createTaskLoader(moduleUrl) {
  let loading;
  let mod;
  const getTask = async (task) => {
    loading ??= import(moduleUrl).then((m) => {
      mod = m;
      return m;
    });
    return findTask(await loading, task);
  };
  getTask.sync = (task) => (mod === undefined ? undefined : findTask(mod, task));
  return getTask;
}
