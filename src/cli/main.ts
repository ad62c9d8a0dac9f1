import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { spawnInherited } from './commands/deploy.js';
import { createPrompter, processTerminal, readAllStdin } from './io.js';
import { run } from './program.js';

/* The `valheim` executable (bin/valheim.js runs this file bundled, scripts/build-cli.ts): real dependencies, then run. */

// The project supports Node 20 (package.json engines); the SDK's multi-line notice about Node 22 would
// bury the one-line messages. An explicit setting by the user still wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const untilShutdown = (): Promise<string> =>
  new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => resolve(`received ${signal}`));
  });

const prompter = createPrompter(process.stdin, process.stderr);
// No top-level await: bin/valheim.js runs this file bundled as a CommonJS script (scripts/build-cli.ts).
void run(process.argv.slice(2), {
  env: process.env,
  term: processTerminal(),
  ssm: (region) => new SSMClient({ region }),
  ecs: (region) => new ECSClient({ region }),
  spawn: spawnInherited,
  stdinIsTTY: Boolean(process.stdin.isTTY),
  readStdin: () => readAllStdin(),
  promptHidden: (question) => prompter.hidden(question),
  promptLine: (question) => prompter.line(question),
  untilShutdown,
}).then((code) => {
  process.exitCode = code;
  prompter.close();
});
