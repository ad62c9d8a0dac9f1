import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Task,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StartStopDeps, start, stop } from '../../src/cli/commands/start-stop.js';
import { errorLines } from '../../src/cli/errors.js';
import { run } from '../../src/cli/program.js';
import { LOG_FILTER_PATTERN } from '../../src/players/server-log.js';
import { USUAL_START_TIME } from '../../src/server/start-budget.js';
import { type Responder, startA2sResponder } from '../support/a2s-responder.js';
import { mockAwsClient } from '../support/aws-mock.js';
import {
  awsError,
  type CapturedTerminal,
  captureTerminal,
  cliDeps,
  EXAMPLE_CONFIG,
  GAME_PUBLIC_IP,
  GAME_TASK_ARN,
  gameTask,
  writeConfig,
} from './helpers.js';

const ecsMock = mockAwsClient(ECSClient);
const ec2Mock = mockAwsClient(EC2Client);
const logsMock = mockAwsClient(CloudWatchLogsClient);

/** One moment of the server's life as ECS reports it. */
interface Scene {
  readonly counts: [desired: number, running: number, pending: number];
  readonly tasks?: Task[];
}

function task(lastStatus: string, extra: Partial<Task> = {}): Task {
  return gameTask(lastStatus, { startedAt: new Date('2026-11-23T20:00:00Z'), ...extra });
}

const STOPPED: Scene = { counts: [0, 0, 0] };
const PLACING: Scene = { counts: [1, 0, 0] };
const PROVISIONING: Scene = { counts: [1, 0, 1], tasks: [task('PROVISIONING')] };
const PENDING: Scene = { counts: [1, 0, 1], tasks: [task('PENDING')] };
const RUNNING: Scene = { counts: [1, 1, 0], tasks: [task('RUNNING')] };
const STOPPING: Scene = { counts: [0, 1, 0], tasks: [task('DEACTIVATING', { desiredStatus: 'STOPPED' })] };
const STOPPED_NOW: Scene = {
  counts: [0, 0, 0],
  tasks: [task('STOPPED', { desiredStatus: 'STOPPED', stoppedAt: new Date('2026-11-23T21:00:00Z') })],
};

/**
 * A fake world: ECS answers with the current scene; UpdateService and every sleep (5 s on a fake clock)
 * move on to the next one, so a whole start runs without waiting.
 */
function world(scenes: Scene[], onStep: (step: number) => void = () => {}) {
  const state = {
    step: 0,
    clock: Date.parse('2026-11-23T20:00:00Z'),
    sleeps: [] as number[],
    transfers: [] as string[],
  };
  const scene = () => scenes[Math.min(state.step, scenes.length - 1)] as Scene;
  const advance = () => {
    state.step++;
    onStep(state.step);
  };
  ecsMock.on(DescribeServicesCommand).callsFake(() => {
    const [desiredCount, runningCount, pendingCount] = scene().counts;
    return { services: [{ status: 'ACTIVE', desiredCount, runningCount, pendingCount }] };
  });
  const arns = (desired: string) =>
    (scene().tasks ?? []).filter((t) => t.desiredStatus === desired).map((t) => t.taskArn as string);
  // The game's tasks by service; world transfers (export, import, restore, backup) by their family.
  ecsMock.on(ListTasksCommand).callsFake((input: { family?: string; desiredStatus?: string }) => ({
    taskArns: input.family ? state.transfers : arns(input.desiredStatus ?? 'RUNNING'),
  }));
  ecsMock.on(DescribeTasksCommand).callsFake(() => ({ tasks: scene().tasks ?? [] }));
  ecsMock.on(UpdateServiceCommand).callsFake(() => {
    advance();
    return {};
  });
  ec2Mock
    .on(DescribeNetworkInterfacesCommand)
    .resolves({ NetworkInterfaces: [{ Association: { PublicIp: GAME_PUBLIC_IP } }] });
  return {
    state,
    now: () => state.clock,
    sleep: async (ms: number) => {
      state.sleeps.push(ms);
      state.clock += ms;
      advance();
    },
  };
}

const publicConfig = () => writeConfig({ server: { ...EXAMPLE_CONFIG.server, public: true } });

let responder: Responder;

beforeEach(async () => {
  ecsMock.reset();
  ec2Mock.reset();
  logsMock.reset();
  // Unless a test says otherwise, the server log already says the world is joinable.
  logsMock.on(FilterLogEventsCommand).resolves({
    events: [{ timestamp: 0, message: 'valheim-server 11/23/2026 20:04:00: Game server connected' }],
  });
  responder = await startA2sResponder({ infoPlayers: 0, maxPlayers: 10 });
});

afterEach(async () => {
  await responder.close();
});

function deps(fake: ReturnType<typeof world>): StartStopDeps & { term: CapturedTerminal } {
  return {
    term: captureTerminal(),
    ecs: (region) => new ECSClient({ region }),
    ec2: (region) => new EC2Client({ region }),
    queryEndpoint: () => ({ host: '127.0.0.1', port: responder.port }),
    queryTimeoutMs: 100,
    logs: (region) => new CloudWatchLogsClient({ region }),
    now: fake.now,
    sleep: fake.sleep,
  };
}

describe('valheim start', () => {
  it('--wait follows ECS from PROVISIONING to RUNNING, waits for the world, then prints the address', async () => {
    // Given a stopped public server; the world answers the query only on the second try after RUNNING
    responder.options.mode = 'silent';
    const fake = world([STOPPED, PLACING, PROVISIONING, PENDING, RUNNING, RUNNING], (step) => {
      if (step === 5) responder.options.mode = 'normal';
    });
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps(fake));

    // When
    const code = await run(['start', '--wait'], d);

    // Then
    expect(code).toBe(0);
    expect(d.term.stderr).toEqual([]);
    expect(d.term.stdout).toEqual([
      `Starting the server: it usually takes ${USUAL_START_TIME} until the world is joinable.`,
      'ECS: waiting for a task to be placed…',
      'ECS task 01234567: PROVISIONING',
      'ECS task 01234567: PENDING',
      `ECS task 01234567: RUNNING at ${GAME_PUBLIC_IP}`,
      'loading the world…',
      `Ready (0/10 players): join at ${GAME_PUBLIC_IP}:2456`,
    ]);
    expect(ecsMock).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'valheim-ondemand',
      service: 'valheim-ondemand-server',
      desiredCount: 1,
    });
    expect(fake.state.sleeps).toEqual([5000, 5000, 5000, 5000]);
  });

  it('without --wait only sets the desired count', async () => {
    // Given
    const fake = world([STOPPED, PLACING]);
    const d = deps(fake);

    // When
    await start({ config: publicConfig() }, d);

    // Then
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { desiredCount: 1 });
    expect(d.term.stdout).toEqual([
      `Starting the server: it usually takes ${USUAL_START_TIME} until the world is joinable.`,
      'Check with: valheim status (or wait for it with valheim start --wait)',
    ]);
    expect(fake.state.sleeps).toEqual([]);
  });

  it('--wait on a private server waits for "Game server connected" in its log, as the bot does, without querying', async () => {
    // Given the example config (server.public false); the world has loaded by the third look at the log
    const fake = world([STOPPED, PENDING, RUNNING]);
    const lines = [
      [{ timestamp: fake.now(), message: 'x valheim-server 11/23/2026 20:01:00: Valheim version: l-1.0.14' }],
      [{ timestamp: fake.now(), message: 'x valheim-server 11/23/2026 20:04:00: Game server connected' }],
    ];
    let looks = 0;
    logsMock.on(FilterLogEventsCommand).callsFake(() => ({ events: lines.slice(0, looks++).flat() }));
    const d = deps(fake);

    // When
    await start({ config: writeConfig(), wait: true }, d);

    // Then
    expect(d.term.stdout.slice(-2)).toEqual(['loading the world…', `Ready: join at ${GAME_PUBLIC_IP}:2456`]);
    expect(looks).toBe(3);
    expect(logsMock).toHaveReceivedCommandWith(FilterLogEventsCommand, {
      logGroupName: '/valheim-ondemand/server',
      logStreamNames: ['valheim/Valheim/0123456789abcdef0123456789abcdef'],
      filterPattern: LOG_FILTER_PATTERN,
    });
    expect(responder.received).toEqual([]);
  });

  it('--wait on a crossplay server prints the join code with the address', async () => {
    const fake = world([STOPPED, PENDING, RUNNING]);
    logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        { timestamp: fake.now(), message: 'valheim-server 11/23/2026 20:04:00: Game server connected' },
        {
          timestamp: fake.now(),
          message: 'valheim-server 11/23/2026 20:04:01: Session "Vikings" registered with join code 012345',
        },
      ],
    });
    const config = writeConfig({ server: { ...EXAMPLE_CONFIG.server, public: true, crossplay: true } });
    const d = deps(fake);

    await start({ config, wait: true }, d);

    expect(d.term.stdout.at(-1)).toBe(`Ready: join at ${GAME_PUBLIC_IP}:2456 (crossplay join code 012345)`);
    expect(responder.received).toEqual([]);
  });

  it('--wait says when a task stops during the start and ECS starts a new one', async () => {
    // Given a first task that exits while pending, and its replacement that runs (private server)
    const NEW_ARN = GAME_TASK_ARN.replace('0123456789abcdef', 'abcdef9876543210');
    const crashed = task('STOPPED', {
      desiredStatus: 'STOPPED',
      stoppedReason: 'Essential container in task exited',
      stoppedAt: new Date('2026-11-23T20:01:00Z'),
    });
    const fake = world([
      STOPPED,
      PENDING,
      { counts: [1, 0, 1], tasks: [task('PROVISIONING', { taskArn: NEW_ARN }), crashed] },
      { counts: [1, 1, 0], tasks: [task('RUNNING', { taskArn: NEW_ARN }), crashed] },
    ]);
    const d = deps(fake);

    // When
    await start({ config: writeConfig(), wait: true }, d);

    // Then
    expect(d.term.stdout.slice(1, 5)).toEqual([
      'ECS task 01234567: PENDING',
      'The task stopped (Essential container in task exited); ECS starts a new one. valheim logs shows what happened.',
      'ECS task abcdef98: PROVISIONING',
      `ECS task abcdef98: RUNNING at ${GAME_PUBLIC_IP}`,
    ]);
  });

  it('gives up after the timeout (default 20 minutes) with a hint to check the logs', async () => {
    // Given a task that never leaves PENDING
    const fake = world([STOPPED, PENDING]);
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps(fake));

    // When
    const code = await run(['start', '--wait'], d);

    // Then: 20 minutes of 5 s polls on the fake clock, then one line
    expect(code).toBe(1);
    expect(fake.state.sleeps).toHaveLength(240);
    expect(d.term.stderr).toEqual([
      'valheim: the server was not ready within 20 minutes (ECS task 01234567: PENDING) — check what it is doing with valheim logs (it keeps starting; valheim stop gives up)',
    ]);
  });

  it('--timeout also ends a wait for a world that never answers', async () => {
    // Given a running task whose game never answers the query
    responder.options.mode = 'silent';
    const fake = world([STOPPED, RUNNING]);
    const d = { ...deps(fake), queryTimeoutMs: 20 };

    // When
    const error = await start({ config: publicConfig(), wait: true, timeoutMinutes: 1 }, d).catch(
      (e: unknown) => e,
    );

    // Then
    expect(errorLines(error, false)).toEqual([
      'valheim: the server was not ready within 1 minute (the world did not answer the query) — check what it is doing with valheim logs (it keeps starting; valheim stop gives up)',
    ]);
    expect(d.term.stdout.filter((line) => line === 'loading the world…')).toHaveLength(1);
    expect(fake.state.sleeps).toHaveLength(12);
  });

  it('does nothing when the server is already running (exit 0)', async () => {
    // Given
    const fake = world([RUNNING]);
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps(fake));

    // When
    const code = await run(['start'], d);

    // Then
    expect(code).toBe(0);
    expect(d.term.stdout).toEqual([`The server is already running at ${GAME_PUBLIC_IP}:2456.`]);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('does nothing when the server is already starting', async () => {
    // Given
    const fake = world([PROVISIONING]);
    const d = deps(fake);

    // When
    await start({ config: publicConfig() }, d);

    // Then
    expect(d.term.stdout[0]).toBe('The server is already starting.');
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('refuses while the server is still stopping (exit 1, one line)', async () => {
    // Given
    const fake = world([STOPPING]);
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps(fake));

    // When
    const code = await run(['start', '--wait'], d);

    // Then
    expect(code).toBe(1);
    expect(d.term.stderr).toEqual([
      'valheim: the server is still stopping (saving the world) — try again in a minute (valheim stop --wait waits until it is done)',
    ]);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('refuses while a world transfer runs, so a restore never writes under a loading game', async () => {
    // Given a stopped server and a restore task of the transfer family still running
    const fake = world([STOPPED]);
    fake.state.transfers.push(
      'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/feedfacefeedfacefeedfacefeedface',
    );
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps(fake));

    // When
    const code = await run(['start'], d);

    // Then it asks ECS about that family, says why in one line, and starts nothing
    expect(code).toBe(1);
    expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'valheim-ondemand',
      family: 'valheim-ondemand-world-transfer',
      desiredStatus: 'RUNNING',
    });
    expect(d.term.stderr).toEqual([
      'valheim: a world transfer (backup, export, import or restore; task feedfacefeedfacefeedfacefeedface) is running, and the world must not change under the game — wait until it has finished (usually a minute or two), then start again',
    ]);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('says which permission is missing when ECS refuses the update', async () => {
    // Given
    const fake = world([STOPPED]);
    ecsMock.on(UpdateServiceCommand).rejects(awsError('AccessDeniedException'));

    // When
    const error = await start({ config: publicConfig() }, deps(fake)).catch((e: unknown) => e);

    // Then
    expect(errorLines(error, false)).toEqual([
      expect.stringMatching(
        /^valheim: AWS denied permission to start the game server .* — .*ecs:UpdateService on valheim-ondemand-server/,
      ),
    ]);
  });
});

describe('valheim stop', () => {
  /** The task's log after the stop signal: the shutdown line, then what the save did. */
  function shutdownLog(...saveLines: string[]): void {
    const at = Date.parse('2026-11-23T20:00:10Z');
    logsMock.on(FilterLogEventsCommand).resolves({
      events: ['OnApplicationQuit', ...saveLines].map((line, index) => ({
        timestamp: at + index * 1000,
        message: `11/23/2026 20:00:1${index}: ${line}`,
      })),
    });
  }

  it('--wait sets the desired count to 0 and waits until no task is left', async () => {
    // Given a running server that takes two polls to save and exit, and logs its save
    const fake = world([RUNNING, STOPPING, STOPPING, STOPPED_NOW]);
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps(fake));
    shutdownLog('World saved ( 312.5ms )');

    // When
    const code = await run(['stop', '--wait'], d);

    // Then
    expect(code).toBe(0);
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'valheim-ondemand',
      service: 'valheim-ondemand-server',
      desiredCount: 0,
    });
    expect(d.term.stdout).toEqual([
      'Stopping the server: the game saves the world as it shuts down (it has up to 2 minutes).',
      'saving the world…',
      'Stopped: no task is left, and its log shows the world was saved on shutdown.',
    ]);
    expect(fake.state.sleeps).toEqual([5000, 5000]);
    // And the save was looked for in this task's own log stream
    expect(logsMock.commandCalls(FilterLogEventsCommand)[0]?.args[0].input.logStreamNames).toEqual([
      `valheim/Valheim/${GAME_TASK_ARN.split('/').at(-1)}`,
    ]);
  });

  it('--wait does not say "saved" when the log shows no save after the stop signal', async () => {
    // Given a shutdown line and no save line, even after waiting for late log lines
    const fake = world([RUNNING, STOPPING, STOPPED_NOW]);
    const d = deps(fake);
    shutdownLog();
    // When
    await stop({ config: publicConfig(), wait: true }, d);
    // Then
    expect(d.term.stdout.at(-1)).toMatch(
      /^Stopped: no task is left, but its log shows no save after the stop signal, so whether the last minutes were saved is unknown — see valheim logs/,
    );
    expect(d.term.all()).not.toMatch(/world (is|was) saved/);
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(3);
  });

  it('--wait fails when the log shows the shutdown save failed', async () => {
    // Given
    const fake = world([RUNNING, STOPPING, STOPPED_NOW]);
    shutdownLog('Error saving world! IOException: Disk full');
    // When
    const error = await stop({ config: publicConfig(), wait: true }, deps(fake)).catch((e: unknown) => e);
    // Then
    expect(errorLines(error, false)).toEqual([
      expect.stringMatching(
        /^valheim: the server stopped, but its log shows the shutdown save failed \(IOException: Disk full\) — /,
      ),
    ]);
  });

  it('--wait gives up after 5 minutes', async () => {
    // Given a task that never finishes stopping
    const fake = world([RUNNING, STOPPING]);
    const d = deps(fake);

    // When
    const error = await stop({ config: publicConfig(), wait: true }, d).catch((e: unknown) => e);

    // Then
    expect(fake.state.sleeps).toHaveLength(60);
    expect(errorLines(error, false)).toEqual([
      'valheim: the server has not stopped within 5 minutes (task DEACTIVATING) — check valheim status and valheim logs; ECS ends the task at the latest 2 minutes after the stop signal',
    ]);
  });

  it('does nothing when the server is already stopped', async () => {
    // Given
    const fake = world([STOPPED]);
    const d = deps(fake);

    // When
    await stop({ config: publicConfig(), wait: true }, d);

    // Then
    expect(d.term.stdout).toEqual(['The server is already stopped.']);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });
});
