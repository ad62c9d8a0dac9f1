import { createInterface, type Interface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { CliError } from './errors.js';

/** Where commands print: one call per line, the newline is added by the implementation. */
export interface Terminal {
  /** Results and information the user asked for. */
  out(line: string): void;
  /** Warnings, prompts and errors. */
  err(line: string): void;
}

/**
 * The process's stdout and stderr. When the reader of a pipe stops early (`valheim logs | head`), writing
 * fails with EPIPE: the rest of the output is unwanted, which is no error, so the process ends quietly
 * (exit 0) as a command killed by SIGPIPE would, instead of printing a stack trace.
 */
export function processTerminal(
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
  exit: (code: number) => void = (code) => process.exit(code),
): Terminal {
  for (const stream of [stdout, stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      exit(0);
    });
  }
  return {
    out: (line) => stdout.write(`${line}\n`),
    err: (line) => stderr.write(`${line}\n`),
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

/** Asks questions one line at a time: `line` echoes the answer, `hidden` does not (secrets). */
export interface Prompter {
  line(question: string): Promise<string>;
  hidden(question: string): Promise<string>;
  /** Releases the input (call once the command is done, so the process can exit). */
  close(): void;
}

const cancelled = (): CliError =>
  new CliError('cancelled', 'nothing was stored; run the command again when ready');

/**
 * Questions on a terminal get line editing (node:readline) and hidden input for secrets. Any other input
 * (a pipe, a file, a test's stream) is read line by line, so scripted answers work; when it ends before
 * every question is answered, the pending question fails with a one-line error.
 */
export function createPrompter(
  input: NodeJS.ReadStream | Readable = process.stdin,
  output: NodeJS.WritableStream | Writable = process.stderr,
): Prompter {
  if ('isTTY' in input && input.isTTY) {
    const tty = input as NodeJS.ReadStream;
    return {
      line: (question) => askTerminal(question, tty, output),
      hidden: (question) => promptHidden(question, tty, output as NodeJS.WriteStream),
      close: () => {},
    };
  }
  let reader: { rl: Interface; lines: AsyncIterator<string> } | undefined;
  const next = async (question: string): Promise<string> => {
    output.write(question);
    if (!reader) {
      // The iterator must exist before the first line arrives, or lines read ahead would be lost.
      const rl = createInterface({ input, terminal: false });
      reader = { rl, lines: rl[Symbol.asyncIterator]() };
    }
    const result = await reader.lines.next();
    output.write('\n'); // the input is not echoed: end the prompt's line
    if (result.done) {
      throw new CliError(
        `the input ended before "${question.replace(/[:?]?\s*$/, '')}" was answered`,
        'run the command in a terminal, or pass the values as flags (see --help)',
      );
    }
    return result.value;
  };
  return { line: next, hidden: next, close: () => reader?.rl.close() };
}

/** One question with readline's line editing; Ctrl-C and Ctrl-D cancel. */
function askTerminal(
  question: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream | Writable,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input, output, terminal: true });
    let answered = false;
    rl.once('SIGINT', () => {
      output.write('\n');
      rl.close();
    });
    rl.once('close', () => {
      if (!answered) reject(cancelled());
    });
    rl.question(question).then(
      (answer) => {
        answered = true;
        rl.close();
        resolve(answer);
      },
      (error: unknown) => reject(error),
    );
  });
}

/** Breaks a long help sentence into lines of at most `width` characters, at spaces. */
export function wrapWords(text: string, width = 104): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
