import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { processTerminal } from '../../src/cli/io.js';

const epipe = () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });

describe('processTerminal', () => {
  it('ends the process quietly with exit code 0 when the reader closed the pipe (EPIPE)', () => {
    // Given a terminal on streams, and a reader that has gone away
    const stdout = new PassThrough();
    const exit = vi.fn();
    processTerminal(stdout, new PassThrough(), exit);
    // When writing fails with EPIPE
    stdout.emit('error', epipe());
    // Then the process exits 0, with no exception
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('still throws other write errors', () => {
    const stdout = new PassThrough();
    processTerminal(stdout, new PassThrough(), vi.fn());
    expect(() => stdout.emit('error', Object.assign(new Error('boom'), { code: 'EIO' }))).toThrow('boom');
  });

  it('prints no stack trace when the CLI is piped into a reader that stops at once (like head)', async () => {
    // Given the real executable whose stdout pipe is closed before it writes anything
    const child = spawn(process.execPath, ['bin/valheim.js', 'world', '--help'], {
      cwd: new URL('../..', import.meta.url),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // When it exits
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // Then quietly
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
