// The local Lambda runtime's bootstrap, run in a worker thread per function: the counterpart of the
// Node.js managed runtime's bootstrap (Lambda Developer Guide, "Lambda runtime environment" and
// "Define Lambda function handler in Node.js"). It loads the handler module named by `_HANDLER`
// from `LAMBDA_TASK_ROOT` (the unpacked deployment package, nothing else on its module path but the
// runtime-provided SDK clients), and runs one invocation per message from the runtime.
//
// Plain JavaScript on purpose: this is the deployed bundle running, not the TypeScript sources.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

const root = process.env.LAMBDA_TASK_ROOT;
const [file, exportName] = (() => {
  const h = process.env._HANDLER;
  const dot = h.lastIndexOf('.');
  return [h.slice(0, dot), h.slice(dot + 1)];
})();

// The Node.js runtime tries `<file>.js`, `<file>.mjs` and `<file>.cjs` (Lambda guide, "handler").
const candidates = ['.js', '.mjs', '.cjs'].map((ext) => join(root, file + ext));
const modulePath = candidates.find((p) => existsSync(p));

let handlerPromise;
function loadHandler() {
  handlerPromise ??= (async () => {
    if (!modulePath)
      throw Object.assign(new Error(`Cannot find module '${file}'`), { name: 'Runtime.ImportModuleError' });
    let mod;
    try {
      mod = await import(pathToFileURL(modulePath).href);
    } catch (e) {
      throw Object.assign(new Error(`Error: ${e?.message ?? e}`), { name: 'Runtime.ImportModuleError' });
    }
    const fn = mod[exportName];
    if (typeof fn !== 'function')
      throw Object.assign(new Error(`${file}.${exportName} is undefined or not exported`), {
        name: 'Runtime.HandlerNotFound',
      });
    return fn;
  })();
  return handlerPromise;
}

function contextFor(msg) {
  const deadline = msg.deadline;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: msg.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: msg.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

parentPort.on('message', async (msg) => {
  try {
    const handler = await loadHandler();
    const result = await handler(JSON.parse(msg.payload), contextFor(msg));
    parentPort.postMessage({ id: msg.id, ok: true, payload: JSON.stringify(result ?? null) });
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    parentPort.postMessage({
      id: msg.id,
      ok: false,
      // What Lambda returns for a function error: {errorType, errorMessage} (Lambda guide, "errors").
      payload: JSON.stringify({ errorType: error.name || 'Error', errorMessage: error.message }),
    });
  }
});

parentPort.postMessage({ ready: true, workerData });
