import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type LogsDeps, logs, parseSince } from '../../src/cli/commands/logs.js';
import { errorLines } from '../../src/cli/errors.js';
import { type CliDeps, run } from '../../src/cli/program.js';
import { serverLogGroupName } from '../../src/config/names.js';
import { mockAwsClient } from '../support/aws-mock.js';
import { awsError, type CapturedTerminal, captureTerminal, writeConfig } from './helpers.js';

const logsMock = mockAwsClient(CloudWatchLogsClient);

const NOW = Date.parse('2026-11-23T19:00:00Z'); // 20:00 in Europe/Berlin, the example config's time zone
const GROUP = '/valheim-ondemand/server';

function event(id: string, secondsAfterNow: number, message: string) {
  return {
    eventId: id,
    timestamp: NOW + secondsAfterNow * 1000,
    message,
    logStreamName: 'valheim/Valheim/abc',
  };
}

beforeEach(() => {
  logsMock.reset();
});

/** Sleeps that advance a fake clock; the n-th sleep can run a hook (e.g. Ctrl-C). */
function fakeTime(onSleep: (count: number) => void = () => {}) {
  const state = { clock: NOW, sleeps: [] as number[] };
  return {
    state,
    now: () => state.clock,
    sleep: async (ms: number, signal?: AbortSignal) => {
      state.sleeps.push(ms);
      state.clock += ms;
      onSleep(state.sleeps.length);
      if (signal?.aborted) throw signal.reason;
    },
  };
}

function deps(time = fakeTime(), signal?: AbortSignal): LogsDeps & { term: CapturedTerminal } {
  return {
    term: captureTerminal(),
    logs: (region) => new CloudWatchLogsClient({ region }),
    now: time.now,
    sleep: time.sleep,
    ...(signal && { signal }),
  };
}

const startTimes = () =>
  logsMock.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input.startTime);

describe('valheim logs', () => {
  it('prints every page of the last 30 minutes as "time  message" in the server time zone', async () => {
    // Given two pages of events
    logsMock
      .on(FilterLogEventsCommand, { nextToken: undefined } as FilterLogEventsCommandInput)
      .resolves({ events: [event('e1', -120, 'Game server connected\n')], nextToken: 'page-2' })
      .on(FilterLogEventsCommand, { nextToken: 'page-2' })
      .resolves({ events: [event('e2', -60, 'Got connection SteamID 76561198000000000')] });
    const d = deps();

    // When
    await logs({ config: writeConfig() }, d);

    // Then
    expect(d.term.stdout).toEqual([
      '2026-11-23 19:58:00  Game server connected',
      '2026-11-23 19:59:00  Got connection SteamID 76561198000000000',
    ]);
    expect(logsMock).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
    expect(logsMock).toHaveReceivedNthCommandWith(FilterLogEventsCommand, 1, {
      logGroupName: GROUP,
      startTime: NOW - 30 * 60_000,
    });
    expect(logsMock).toHaveReceivedNthCommandWith(FilterLogEventsCommand, 2, {
      logGroupName: GROUP,
      startTime: NOW - 30 * 60_000,
      nextToken: 'page-2',
    });
    expect(d.term.stderr).toEqual([]);
  });

  it('--since sets how far back it starts', async () => {
    // Given
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    const d = deps();

    // When
    await logs({ config: writeConfig(), since: '2h' }, d);

    // Then
    expect(startTimes()).toEqual([NOW - 2 * 3_600_000]);
    expect(d.term.stderr).toEqual([
      'valheim: no log lines in the last 2h (the server has not run since then; --since 1d looks further back)',
    ]);
  });

  it('reads durations in s, m, h, d and w, and rejects anything else in one line', () => {
    expect([
      parseSince('45s'),
      parseSince('10m'),
      parseSince('2h'),
      parseSince('1d'),
      parseSince('1w'),
    ]).toEqual([45_000, 600_000, 7_200_000, 86_400_000, 604_800_000]);
    for (const bad of ['10', '0m', '1y', '-5m', 'soon']) {
      expect(
        errorLines(
          catchError(() => parseSince(bad)),
          false,
        ),
      ).toEqual([
        `valheim: --since "${bad}" is not a duration — use a number with s, m, h, d or w, e.g. 10m, 2h or 1d`,
      ]);
    }
  });

  it('--follow polls every 2 s from the last timestamp, prints each event once, and ends on Ctrl-C', async () => {
    // Given a first answer, then polls that repeat the last event (startTime is inclusive) with new ones
    logsMock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('e1', -10, 'one'), event('e2', -5, 'two')] })
      .resolvesOnce({ events: [event('e2', -5, 'two'), event('e3', 1, 'three'), event('e4', 1, 'four')] })
      .resolvesOnce({ events: [event('e3', 1, 'three'), event('e4', 1, 'four')] })
      .resolves({ events: [event('e4', 1, 'four'), event('e5', 3, 'five')] });
    const controller = new AbortController();
    const time = fakeTime((count) => {
      if (count === 4) controller.abort(); // Ctrl-C during the fourth wait
    });
    const d = deps(time, controller.signal);

    // When
    await logs({ config: writeConfig(), follow: true }, d);

    // Then each event once, in order; every poll starts at the newest timestamp seen
    expect(d.term.stdout.map((line) => line.split('  ')[1])).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(startTimes()).toEqual([NOW - 30 * 60_000, NOW - 5000, NOW + 1000, NOW + 1000]);
    expect(time.state.sleeps).toEqual([2000, 2000, 2000, 2000]);
    expect(d.term.stderr).toEqual([`Following ${GROUP} (Ctrl-C to stop)…`]);
  });

  it('--follow through the CLI ends with exit 0 when the user interrupts', async () => {
    // Given an empty log; the shutdown signal comes during the second wait
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    let interrupt: (reason: string) => void = () => {};
    const time = fakeTime((count) => {
      if (count === 2) interrupt('received SIGINT');
    });
    const d: CliDeps & { term: CapturedTerminal } = {
      env: { VALHEIM_CONFIG: writeConfig() },
      term: captureTerminal(),
      ssm: (region) => new SSMClient({ region }),
      ecs: (region) => new ECSClient({ region }),
      logs: (region) => new CloudWatchLogsClient({ region }),
      spawn: vi.fn(() => Promise.resolve(0)),
      stdinIsTTY: false,
      readStdin: () => Promise.resolve(''),
      promptHidden: () => Promise.resolve(''),
      promptLine: () => Promise.resolve(''),
      untilShutdown: () =>
        new Promise((resolve) => {
          interrupt = resolve;
        }),
      now: time.now,
      sleep: async (ms, signal) => {
        await time.sleep(ms);
        await Promise.resolve(); // the abort is delivered after the shutdown promise settles
        if (signal?.aborted) throw signal.reason;
      },
    };

    // When
    const code = await run(['logs', '-f', '--since', '10m'], d);

    // Then
    expect(code).toBe(0);
    expect(startTimes()[0]).toBe(NOW - 600_000);
    expect(time.state.sleeps.length).toBeGreaterThanOrEqual(2);
  });

  it('says the stack is not deployed when its log group does not exist, as status and start do (exit 1, one line)', async () => {
    // Given
    logsMock
      .on(FilterLogEventsCommand)
      .rejects(awsError('ResourceNotFoundException', 'The specified log group does not exist.'));
    const d = deps();

    // When
    const error = await logs({ config: writeConfig() }, d).catch((e: unknown) => e);

    // Then
    expect(errorLines(error, false)).toEqual([
      `valheim: the stack valheim-ondemand is not deployed in eu-central-1 (no log group ${GROUP}, which it creates) — run npm run deploy (or check stackName and region in the config)`,
    ]);
  });

  it('maps access denied to one line naming the permission', async () => {
    // Given
    logsMock.on(FilterLogEventsCommand).rejects(awsError('AccessDeniedException'));

    // When
    const error = await logs({ config: writeConfig() }, deps()).catch((e: unknown) => e);

    // Then
    expect(errorLines(error, false)).toEqual([
      `valheim: AWS denied permission to read the server log (${GROUP}) in eu-central-1 — your AWS identity needs logs:FilterLogEvents on ${GROUP} (ask your AWS admin or use a profile that has it)`,
    ]);
  });

  it('names the log group after the stack', () => {
    expect(serverLogGroupName('my-valheim')).toBe('/my-valheim/server');
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
