// One Lambda execution environment: loads a built bundle the way the Node.js runtime does (an ES module
// import of index.mjs, which loads its chunks itself) and runs invocations sent over IPC, one at a time.
// Plain JavaScript, run by plain node: nothing of the test tooling (tsx, vitest) is in this process.
import { pathToFileURL } from 'node:url';

// The test's clock: it moves the wall clock of this "container" forward (an idle stop needs 15 minutes to
// pass), never timers. Date.now() and new Date() follow it; everything else is the real Date.
const RealDate = Date;
let offsetMs = 0;
const shiftedNow = () => RealDate.now() + offsetMs;
globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) =>
    Reflect.construct(target, args.length === 0 ? [shiftedNow()] : args, newTarget),
  apply: () => new RealDate(shiftedNow()).toString(),
  get: (target, property, receiver) =>
    property === 'now' ? shiftedNow : Reflect.get(target, property, receiver),
});

const [entry, functionName, timeoutSeconds] = process.argv.slice(2);
let handler;
try {
  ({ handler } = await import(pathToFileURL(entry).href));
  if (typeof handler !== 'function') throw new Error(`${entry} exports no handler function`);
} catch (error) {
  process.send({ type: 'load-error', error: describe(error) });
  process.exit(1);
}

process.on('message', async (message) => {
  if (message.type === 'clock') {
    offsetMs = message.offsetMs;
    process.send({ type: 'clock', id: message.id });
    return;
  }
  const deadline = RealDate.now() + Number(timeoutSeconds) * 1000;
  const context = {
    functionName,
    awsRequestId: `e2e-${message.id}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - RealDate.now()),
  };
  try {
    const result = await handler(message.event, context);
    process.send({ type: 'result', id: message.id, result: result ?? null });
  } catch (error) {
    process.send({ type: 'result', id: message.id, error: describe(error) });
  }
});
process.send({ type: 'ready' });

function describe(error) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: 'Error', message: String(error) };
}
