import { rmSync } from 'node:fs';

/*
 * Temporary copies of a world (a half-downloaded export, an unpacked zip) must not outlive the command, even
 * when the user presses Ctrl-C: Node's default for SIGINT/SIGTERM ends the process without running any
 * `finally`. While at least one temporary path is registered, a handler removes them all and then ends the
 * process with the same signal, as the default would.
 */

const registered = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(signal: NodeJS.Signals): void {
  for (const path of registered) rmSync(path, { recursive: true, force: true });
  registered.clear();
  for (const name of SIGNALS) process.removeListener(name, onSignal);
  process.kill(process.pid, signal);
}

/** Removes `path` if the process is interrupted, until the returned function is called (or `path` removed). */
export function removeOnInterrupt(path: string): () => void {
  if (registered.size === 0) for (const name of SIGNALS) process.on(name, onSignal);
  registered.add(path);
  return () => {
    registered.delete(path);
    if (registered.size === 0) for (const name of SIGNALS) process.removeListener(name, onSignal);
  };
}
