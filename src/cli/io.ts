import { CliError } from './errors.js';

/** Where commands print: one call per line, the newline is added by the implementation. */
export interface Terminal {
  /** Results and information the user asked for. */
  out(line: string): void;
  /** Warnings, prompts and errors. */
  err(line: string): void;
}

export function processTerminal(): Terminal {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

/** Reads all of stdin as UTF-8 (for `--*-stdin` flags). */
export async function readAllStdin(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Asks a question on a terminal without echoing the answer (secrets). Handles pasting, backspace,
 * Ctrl-C (cancels) and Ctrl-D (ends input).
 */
export function promptHidden(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw;
    let answer: string[] = [];
    const finish = (): void => {
      input.removeListener('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(answer.join(''));
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new CliError('cancelled', 'nothing was stored; run the command again when ready'));
          return;
        }
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else if (char >= ' ') answer.push(char);
      }
    };
    output.write(question);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}
