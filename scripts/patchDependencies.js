// postinstall: small fixes to dependencies, each carried until its upstream ships one (docs/decisions.md says why each).
//
// Plain text edits, each checked against the version it was written for: a different installed version is left alone
// with a warning, so an upgrade never silently carries a stale edit. An edit whose result is already there is skipped,
// so the script can run again, and an edit added later reaches a tree patched before it. Delete an entry once upstream
// ships the fix; delete this file with the last one.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

const PATCHES = [
  {
    // A postgres.js 3.4.9 bug crashed the process when PostgreSQL went away inside a transaction. Upstream:
    // porsager/postgres#1066, #1154, #1208 (open). In src/connection.js a small write is flushed from a setImmediate; a
    // write after the socket closed (the ROLLBACK of a transaction whose connection died) threw "Cannot read properties
    // of null (reading 'write')" outside any promise. The guard rejects that write's queries with CONNECTION_CLOSED
    // instead, and teardown clears the flush handle it used to leave set (a connection left so never flushed again).
    // Found by `npm run chaos`; test/integration/connectionLoss.test.ts fails without it.
    name: 'postgres',
    version: '3.4.9',
    why: 'the closed-socket write fix (porsager/postgres#1208)',
    mark: '/* durable-checkout: closed-socket write fix */',
    // The same edits in each of the package's three builds.
    files: Object.fromEntries(['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'].map((file) => [file, (mark) => [
      [
        '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
        `  function nextWrite(fn) {\n    if (!socket) { ${mark}\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
      ],
      // Both teardown paths: drop the handle and the bytes meant for the dead socket, so the next connection starts clean.
      ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
      ['    clearImmediate(nextWriteTimer)\n    socket.removeListener', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener'],
    ]])),
  },
  {
    // The Temporal worker's promise hook (stack traces for the UI's Stack Trace tab) runs for every promise a workflow
    // thread creates, and each time compiled two functions with the Function constructor of the promise's realm, only
    // to read `globalThis.__TEMPORAL_ACTIVATOR__` and `globalThis.Error` there (and once more when the promise
    // settled). The edit compiles each getter once per realm and calls it as before: the globals are still read at
    // each call, so what the hook records is unchanged. Measured in docs/decisions.md ("The workflow thread compiles its
    // realm getters once"). What remained of the hook's cost (the stack capture, and V8's slower promises while any hook
    // is installed) was still a quarter of the worker's CPU per checkout, so the hook is installed only when
    // WORKER_WORKFLOW_STACK_TRACES is true (src/config/worker.ts; docs/decisions.md, "Workflow stack traces are opt-in").
    // Without it the stack-trace queries answer that stack traces are not enabled on this worker, as the SDK does where
    // promise hooks do not exist. test/unit/dependencyPatches.test.ts fails without either edit.
    name: '@temporalio/worker',
    version: '1.24.0',
    why: 'the promise hook compiling its realm getters once and installed only on request',
    mark: '/* durable-checkout: realm getters compiled once */',
    files: {
      'lib/workflow/vm-shared.js': (mark) => [
        [
          "function getActivator(promise) {\n    // Access the global scope associated with the promise (unique per workflow - vm.context)\n    // See for reference https://github.com/patriksimek/vm2/issues/32\n    const ctor = promise.constructor.constructor;\n    return ctor('return globalThis.__TEMPORAL_ACTIVATOR__')();\n}",
          `${mark}\nconst realmGetters = new WeakMap();\nfunction realmGetter(ctor, name) {\n    let getters = realmGetters.get(ctor);\n    if (!getters) {\n        getters = { activator: ctor('return globalThis.__TEMPORAL_ACTIVATOR__'), error: ctor('return globalThis.Error') };\n        realmGetters.set(ctor, getters);\n    }\n    return getters[name];\n}\nfunction getActivator(promise) {\n    // Access the global scope associated with the promise (unique per workflow - vm.context)\n    // See for reference https://github.com/patriksimek/vm2/issues/32\n    const ctor = promise.constructor.constructor;\n    return realmGetter(ctor, 'activator')();\n}`,
        ],
        ["                    const ErrorCtor = fn('return globalThis.Error')();", "                    const ErrorCtor = realmGetter(fn, 'error')();"],
        [
          '            this.overridePrepareStackTrace();\n            this.setPromiseHook();',
          "            this.overridePrepareStackTrace();\n            // durable-checkout: the promise hook only when asked for (WORKER_WORKFLOW_STACK_TRACES)\n            if (/^(true|1)$/.test(process.env.WORKER_WORKFLOW_STACK_TRACES ?? '')) this.setPromiseHook();",
        ],
      ],
    },
  },
  {
    // Node's vm starts a watchdog thread for every call made with a timeout, and the SDK passes one (its isolate
    // execution timeout, 5 s) on every call into the shared workflow context: four or more calls per activation, about
    // 180 µs of CPU each on Node 24 against 10 µs without (nodejs/node#47739, never merged). In a workflow thread the
    // edits drop the per-call timeout and keep the guard: the thread writes into shared memory which request it is
    // running and since when, and one timer per thread in the worker checks it each second. A thread stuck in one
    // request past the limit (a workflow that never yields) is named in the log and terminated; the SDK then shuts the
    // worker down and the process exits non-zero, to be restarted. The SDK's guard failed only that workflow task; ours
    // stops the worker (docs/decisions.md, "One watchdog per workflow thread"). Replay and debug workers run workflows
    // in their own thread and keep the SDK's timeout. test/integration/workflowThreadWatchdog.test.ts fails without it.
    name: '@temporalio/worker',
    version: '1.24.0',
    why: 'one watchdog per workflow thread instead of a thread per call',
    mark: '/* durable-checkout: one watchdog per workflow thread */',
    files: {
      'lib/workflow/threaded-vm.js': (mark) => [
        [
          '            this.requestIdToCompletion.set(requestId, { resolve, reject });',
          `            ${mark} // the run, for the watchdog's message\n            this.requestIdToCompletion.set(requestId, { resolve, reject, runId: input.runId ?? input.options?.info?.runId });`,
        ],
        [
          '/**\n * A WorkflowCreator that creates vm Workflows inside Worker threads\n */\nclass ThreadedVMWorkflowCreator {',
          [
            mark,
            '/** Checks each second whether the thread has spent longer than limitMs in one request (slots of `busy`: since when, which request). */',
            'function watchThread(client, busy, limitMs, logger) {',
            '    const timer = setInterval(() => {',
            '        if (client.workerExited) return clearInterval(timer);',
            '        const since = Number(Atomics.load(busy, 0));',
            '        if (since === 0 || Date.now() - since <= limitMs) return;',
            '        clearInterval(timer);',
            '        const runId = client.requestIdToCompletion.get(Atomics.load(busy, 1))?.runId;',
            '        client.exitError = new errors_1.UnexpectedError(`Workflow Worker Thread spent over ${limitMs} ms in one request${runId ? ` for run ${runId}` : \'\'}: terminated it`);',
            '        logger.error(client.exitError.message, { runId });',
            '        void client.workerThread.terminate();',
            '    }, Math.min(1000, limitMs));',
            '    timer.unref();',
            '}',
            '/**\n * A WorkflowCreator that creates vm Workflows inside Worker threads\n */\nclass ThreadedVMWorkflowCreator {',
          ].join('\n'),
        ],
        [
          "        await Promise.all(workerThreadClients.map((client) => client.send({\n            type: 'init',\n            workflowBundle,\n            isolateExecutionTimeoutMs,\n            reuseV8Context,\n            registeredActivityNames,\n            hasPatchActivationCallback: patchActivationCallback !== undefined,\n        })));",
          `        ${mark}\n        const busy = workerThreadClients.map(() => new BigInt64Array(new SharedArrayBuffer(16)));\n        await Promise.all(workerThreadClients.map((client, i) => client.send({\n            type: 'init',\n            workflowBundle,\n            isolateExecutionTimeoutMs,\n            reuseV8Context,\n            registeredActivityNames,\n            hasPatchActivationCallback: patchActivationCallback !== undefined,\n            busy: busy[i],\n        })));\n        workerThreadClients.forEach((client, i) => watchThread(client, busy[i], isolateExecutionTimeoutMs, logger));`,
        ],
      ],
      'lib/workflow/workflow-worker-thread.js': (mark) => [
        ['let workflowCreator;\nlet workflowGetter;\n', `let workflowCreator;\nlet workflowGetter;\n${mark} // shared with watchThread() in threaded-vm.js: since when (ms, 0 when idle) and which request this thread runs\nlet busy;\n`],
        // Calls into the context carry no timeout (a watchdog thread each) where the thread itself is watched.
        [
          "        case 'init':\n            if (input.reuseV8Context) {\n                workflowCreator = await reusable_vm_1.ReusableVMWorkflowCreator.create(input.workflowBundle, input.isolateExecutionTimeoutMs,",
          "        case 'init':\n            busy = input.busy;\n            if (input.reuseV8Context) {\n                workflowCreator = await reusable_vm_1.ReusableVMWorkflowCreator.create(input.workflowBundle, busy ? undefined : input.isolateExecutionTimeoutMs,",
        ],
        [
          '                workflowCreator = await vm_1.VMWorkflowCreator.create(input.workflowBundle, input.isolateExecutionTimeoutMs,',
          '                workflowCreator = await vm_1.VMWorkflowCreator.create(input.workflowBundle, busy ? undefined : input.isolateExecutionTimeoutMs,',
        ],
        [
          "parentPort.on('message', async (request) => {\n    try {\n        postResponse(await handleRequest(request));\n    }",
          `parentPort.on('message', async (request) => {\n    ${mark} // init and destroy may wait on I/O; every other request runs to its end before the next\n    const watched = busy !== undefined && request.input.type !== 'init' && request.input.type !== 'destroy';\n    if (watched) {\n        Atomics.store(busy, 1, request.requestId);\n        Atomics.store(busy, 0, BigInt(Date.now()));\n    }\n    try {\n        postResponse(await handleRequest(request));\n    }`,
        ],
        [
          "            result: { type: 'error', message: err.message, name: err.name, stack: err.stack },\n        });\n    }\n});",
          "            result: { type: 'error', message: err.message, name: err.name, stack: err.stack },\n        });\n    }\n    finally {\n        if (watched) Atomics.store(busy, 0, 0n);\n    }\n});",
        ],
      ],
    },
  },
];

const require = createRequire(import.meta.url);

/** The installed package's folder, or undefined when it is not installed (a partial install: nothing to patch). */
function packageRoot(name) {
  try {
    // An exports map may hide package.json: start from the entry point and climb to the package's folder.
    let dir = dirname(require.resolve(name));
    const isRoot = (d) => existsSync(join(d, 'package.json')) && JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name === name;
    while (!isRoot(dir)) {
      if (dir === dirname(dir)) return undefined;
      dir = dirname(dir);
    }
    return dir;
  } catch {
    return undefined;
  }
}

for (const patch of PATCHES) {
  const root = packageRoot(patch.name);
  if (!root) continue;
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (version !== patch.version) {
    process.stderr.write(`patchDependencies: ${patch.name} ${version} installed; ${patch.why} was written for ${patch.version}. Check whether upstream has it and drop or update its entry in scripts/patchDependencies.js.\n`);
    continue;
  }
  for (const [file, edits] of Object.entries(patch.files)) {
    const path = join(root, file);
    const before = readFileSync(path, 'utf8');
    let text = before;
    for (const [from, to] of edits(patch.mark)) {
      if (text.includes(to)) continue;
      if (!text.includes(from)) throw new Error(`patchDependencies: ${path} does not contain the expected code; cannot apply ${patch.why}.`);
      text = text.replace(from, to);
    }
    if (text !== before) writeFileSync(path, text);
  }
}
