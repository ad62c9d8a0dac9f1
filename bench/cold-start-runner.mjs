// Runs in a fresh Node process: load the built handler, answer one request, report timings as JSON.
// Usage: node cold-start-runner.mjs <bundle/index.mjs>  (event JSON on env BENCH_EVENT)
import { performance } from 'node:perf_hooks';

const loadStart = performance.now();
const { handler } = await import(process.argv[2]);
const loaded = performance.now();
const result = await handler(JSON.parse(process.env.BENCH_EVENT));
const answered = performance.now();
process.stdout.write(
  JSON.stringify({
    status: result.statusCode,
    body: result.body,
    loadMs: loaded - loadStart,
    firstAnswerMs: answered - loaded,
    // performance.now() counts from the process's time origin: Node start-up included.
    sinceProcessStartMs: answered,
  }),
);
