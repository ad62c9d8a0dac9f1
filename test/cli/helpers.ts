import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient, type Task } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { vi } from 'vitest';
import type { Terminal } from '../../src/cli/io.js';
import type { CliDeps } from '../../src/cli/program.js';

/** A terminal that records what the CLI prints. */
export interface CapturedTerminal extends Terminal {
  readonly stdout: string[];
  readonly stderr: string[];
  /** Everything printed, stdout then stderr, one string. */
  all(): string;
}

export function captureTerminal(): CapturedTerminal {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    all: () => [...stdout, ...stderr].join('\n'),
  };
}

export const EXAMPLE_CONFIG = JSON.parse(
  readFileSync(new URL('../../valheim.config.example.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { server: Record<string, unknown>; discord: Record<string, string> };

export const APPLICATION_ID = EXAMPLE_CONFIG.discord.applicationId as string;
export const GUILD_ID = EXAMPLE_CONFIG.discord.guildId as string;

/** Writes a valid config (the committed example, with overrides) to a fresh temp folder; returns its path. */
export function writeConfig(overrides: Record<string, unknown> = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'valheim-cli-')), 'valheim.config.json');
  writeFileSync(file, JSON.stringify({ ...EXAMPLE_CONFIG, ...overrides }));
  return file;
}

/** A syntactically valid (fake) bot token: three base64url parts. */
export const BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.fake_token-signature-part-0123456789';

/** An AWS SDK-style error (the SDK tells errors apart by name). */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

/** The game task's ARN in the example config's cluster. */
export const GAME_TASK_ARN =
  'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/0123456789abcdef0123456789abcdef';
/** TEST-NET-3: never contacted, the query goes to the loopback responder. */
export const GAME_PUBLIC_IP = '203.0.113.7';

/** The game task as ECS describes it, with its network interface (whose public IP is GAME_PUBLIC_IP). */
export function gameTask(lastStatus: string, extra: Partial<Task> = {}): Task {
  return {
    taskArn: GAME_TASK_ARN,
    lastStatus,
    desiredStatus: 'RUNNING',
    capacityProviderName: 'FARGATE',
    attachments: [
      { type: 'ElasticNetworkInterface', details: [{ name: 'networkInterfaceId', value: 'eni-0abc' }] },
    ],
    ...extra,
  };
}

/**
 * What `run()` needs, for commands that neither prompt nor read stdin nor deploy: a captured terminal, SDK
 * clients (which the test mocks), no TTY, and a Ctrl-C that never comes. `overrides` add the rest.
 */
export function cliDeps<T extends Partial<CliDeps>>(
  env: NodeJS.ProcessEnv,
  overrides: T = {} as T,
): CliDeps & { term: CapturedTerminal } & T {
  return {
    env,
    term: captureTerminal(),
    ssm: (region) => new SSMClient({ region }),
    ecs: (region) => new ECSClient({ region }),
    spawn: vi.fn(() => Promise.resolve(0)),
    stdinIsTTY: false,
    readStdin: () => Promise.resolve(''),
    promptHidden: () => Promise.resolve(''),
    promptLine: () => Promise.resolve(''),
    untilShutdown: () => new Promise(() => {}),
    ...overrides,
  };
}
