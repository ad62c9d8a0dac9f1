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
import { type StatusDeps, status } from '../../src/cli/commands/status.js';
import { errorLines } from '../../src/cli/errors.js';
import { run } from '../../src/cli/program.js';
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
  gameTask,
  writeConfig,
} from './helpers.js';

const ecsMock = mockAwsClient(ECSClient);
const ec2Mock = mockAwsClient(EC2Client);

const OLD_TASK_ARN = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim-ondemand/fedcba9876543210fedcba98';
const NOW = Date.parse('2026-11-23T20:05:00Z');
/** ECS (and EC2) as they answer for one moment of the server's life. */
function givenEcs(counts: [desired: number, running: number, pending: number], tasks: Task[] = []): void {
  const [desiredCount, runningCount, pendingCount] = counts;
  ecsMock.on(DescribeServicesCommand).resolves({
    services: [{ status: 'ACTIVE', desiredCount, runningCount, pendingCount }],
  });
  const arns = (desired: string) =>
    tasks.filter((t) => t.desiredStatus === desired).map((t) => t.taskArn as string);
  ecsMock.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: arns('RUNNING') });
  ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: arns('STOPPED') });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks });
  ec2Mock
    .on(DescribeNetworkInterfacesCommand)
    .resolves({ NetworkInterfaces: [{ Association: { PublicIp: GAME_PUBLIC_IP } }] });
}

const publicConfig = () => writeConfig({ server: { ...EXAMPLE_CONFIG.server, public: true } });

let responder: Responder;

beforeEach(async () => {
  ecsMock.reset();
  ec2Mock.reset();
  responder = await startA2sResponder({ infoPlayers: 2, maxPlayers: 10 });
});

afterEach(async () => {
  await responder.close();
});

function deps(): StatusDeps & { term: CapturedTerminal } {
  return {
    term: captureTerminal(),
    ecs: (region) => new ECSClient({ region }),
    ec2: (region) => new EC2Client({ region }),
    queryEndpoint: () => ({ host: '127.0.0.1', port: responder.port }),
    queryTimeoutMs: 200,
    now: () => NOW,
  };
}

describe('valheim status', () => {
  it('shows a stopped server with the last stop, without asking the game', async () => {
    // Given no task, and one that stopped 12 minutes ago
    givenEcs(
      [0, 0, 0],
      [
        gameTask('STOPPED', {
          taskArn: OLD_TASK_ARN,
          desiredStatus: 'STOPPED',
          stoppedAt: new Date(NOW - 12 * 60_000),
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/123)',
        }),
      ],
    );
    const d = deps();

    // When
    await status({ config: publicConfig() }, d);

    // Then
    expect(d.term.stdout).toEqual([
      'state: stopped (start it with: valheim start)',
      'tasks: desired 0 · running 0 · pending 0',
      'last stop: 12 min ago (Scaling activity initiated by (deployment ecs-svc/123))',
    ]);
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'valheim-ondemand',
      services: ['valheim-ondemand-server'],
    });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(responder.received).toEqual([]);
  });

  it('shows a starting server with its task status and Spot', async () => {
    // Given a Spot task being provisioned
    givenEcs([1, 0, 1], [gameTask('PROVISIONING', { capacityProviderName: 'FARGATE_SPOT' })]);
    const d = deps();

    // When
    await status({ config: publicConfig() }, d);

    // Then
    expect(d.term.stdout).toEqual([
      `state: starting (it usually takes ${USUAL_START_TIME} until the world is joinable)`,
      'task: PROVISIONING on Fargate Spot',
      'tasks: desired 1 · running 0 · pending 1',
    ]);
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeNetworkInterfacesCommand);
    expect(responder.received).toEqual([]);
  });

  it('shows a running public server with address, uptime and the players it reports', async () => {
    // Given a task running for 65 minutes, and the game answering the query with 2 of 10 players
    givenEcs([1, 1, 0], [gameTask('RUNNING', { startedAt: new Date(NOW - 65 * 60_000) })]);
    const d = deps();

    // When
    await status({ config: publicConfig() }, d);

    // Then
    expect(d.term.stdout).toEqual([
      'state: running',
      `address: ${GAME_PUBLIC_IP}:2456 (it changes at every start)`,
      'uptime: 1 h 5 min',
      'task: RUNNING on Fargate (on-demand)',
      'tasks: desired 1 · running 1 · pending 0',
      'players: 2/10',
    ]);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, {
      NetworkInterfaceIds: ['eni-0abc'],
    });
    expect(responder.received.length).toBeGreaterThan(0);
  });

  it('says the player count is unknown when the game does not answer the query', async () => {
    // Given a running public server whose world is still loading (no answer)
    givenEcs([1, 1, 0], [gameTask('RUNNING', { startedAt: new Date(NOW - 60_000) })]);
    responder.options.mode = 'silent';
    const d = deps();

    // When
    await status({ config: publicConfig() }, d);

    // Then
    expect(d.term.stdout).toContain('players: unknown (no answer to the query)');
    expect(responder.received).toHaveLength(1);
  });

  it('does not query a private server', async () => {
    // Given the example config (server.public false) and a running task
    givenEcs([1, 1, 0], [gameTask('RUNNING', { startedAt: new Date(NOW - 60_000) })]);
    const d = deps();

    // When
    await status({ config: writeConfig() }, d);

    // Then
    expect(d.term.stdout).toContain(
      'players: unknown (private and crossplay servers do not answer the query protocol)',
    );
    expect(responder.received).toEqual([]);
  });

  it('shows a stopping server while the world is saved', async () => {
    // Given desired 0 and the task still shutting down
    givenEcs([0, 1, 0], [gameTask('DEACTIVATING', { desiredStatus: 'STOPPED' })]);
    const d = deps();

    // When
    await status({ config: publicConfig() }, d);

    // Then
    expect(d.term.stdout).toEqual([
      'state: stopping (the world is being saved, up to 2 minutes)',
      'task: DEACTIVATING on Fargate (on-demand)',
      'tasks: desired 0 · running 1 · pending 0',
    ]);
  });

  it('prints one JSON object with --json (through the CLI, exit 0)', async () => {
    // Given a running Spot server with 2 players
    givenEcs(
      [1, 1, 0],
      [gameTask('RUNNING', { startedAt: new Date(NOW - 600_000), capacityProviderName: 'FARGATE_SPOT' })],
    );
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps());

    // When
    const code = await run(['status', '--json'], d);

    // Then
    expect(code).toBe(0);
    expect(d.term.stdout).toHaveLength(1);
    expect(JSON.parse(d.term.stdout[0] ?? '')).toEqual({
      stackName: 'valheim-ondemand',
      region: 'eu-central-1',
      cluster: 'valheim-ondemand',
      service: 'valheim-ondemand-server',
      state: 'running',
      address: `${GAME_PUBLIC_IP}:2456`,
      startedAt: new Date(NOW - 600_000).toISOString(),
      uptimeSeconds: 600,
      task: {
        id: '0123456789abcdef0123456789abcdef',
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        spot: true,
      },
      desiredCount: 1,
      runningCount: 1,
      pendingCount: 0,
      query: 'answered',
      players: { online: 2, max: 10 },
      lastStop: null,
    });
  });

  it('prints a failure as JSON on stdout with --json too (and the line on stderr), exit 1', async () => {
    // Given no stack, and then a config that does not load
    ecsMock.on(DescribeServicesCommand).rejects(awsError('ClusterNotFoundException'));
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps());
    const broken = cliDeps({ VALHEIM_CONFIG: '/nonexistent/valheim.config.json' }, deps());
    // When
    const code = await run(['status', '--json'], d);
    const brokenCode = await run(['status', '--json'], broken);
    // Then
    expect([code, brokenCode]).toEqual([1, 1]);
    expect(d.term.stdout).toHaveLength(1);
    expect(JSON.parse(d.term.stdout[0] ?? '')).toEqual({
      ok: false,
      errors: [
        {
          problem:
            'the stack valheim-ondemand is not deployed in eu-central-1 (no ECS service valheim-ondemand-server)',
          fix: 'run npm run deploy (or check stackName and region in the config)',
        },
      ],
    });
    expect(d.term.stderr).toHaveLength(1);
    expect(JSON.parse(broken.term.stdout[0] ?? '')).toEqual({
      ok: false,
      errors: [{ problem: expect.stringMatching(/^\/nonexistent\/valheim\.config\.json: not found; run/) }],
    });
  });

  it.each([
    [
      'the cluster does not exist',
      () => ecsMock.on(DescribeServicesCommand).rejects(awsError('ClusterNotFoundException')),
    ],
    [
      'the service is deleted',
      () => {
        givenEcs([0, 0, 0]);
        ecsMock.on(DescribeServicesCommand).resolves({ services: [{ status: 'INACTIVE' }] });
      },
    ],
  ])('says the stack is not deployed when %s (exit 1, one line)', async (_case, given) => {
    // Given
    givenEcs([0, 0, 0]);
    given();
    const d = cliDeps({ VALHEIM_CONFIG: publicConfig() }, deps());

    // When
    const code = await run(['status'], d);

    // Then
    expect(code).toBe(1);
    expect(d.term.stdout).toEqual([]);
    expect(d.term.stderr).toEqual([
      'valheim: the stack valheim-ondemand is not deployed in eu-central-1 (no ECS service valheim-ondemand-server) — run npm run deploy (or check stackName and region in the config)',
    ]);
  });

  it.each([
    [
      'AccessDeniedException',
      /^valheim: AWS denied permission to read the game server's state .* in eu-central-1 — .*ecs:DescribeServices/,
    ],
    [
      'CredentialsProviderError',
      /^valheim: no AWS credentials found, so could not read the game server's state/,
    ],
  ])('maps %s to one line', async (name, expected) => {
    // Given
    givenEcs([0, 0, 0]);
    ecsMock.on(DescribeServicesCommand).rejects(awsError(name, 'Could not do it'));
    const d = deps();

    // When
    const error = await status({ config: publicConfig() }, d).catch((e: unknown) => e);

    // Then
    const lines = errorLines(error, false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });

  it('maps EC2 access denied (the public IP lookup) to one line too', async () => {
    // Given a running task whose address cannot be read
    givenEcs([1, 1, 0], [gameTask('RUNNING', { startedAt: new Date(NOW) })]);
    ec2Mock.on(DescribeNetworkInterfacesCommand).rejects(awsError('UnauthorizedOperation'));

    // When
    const error = await status({ config: publicConfig() }, deps()).catch((e: unknown) => e);

    // Then
    expect(errorLines(error, false)).toEqual([
      expect.stringMatching(/^valheim: AWS denied permission .* ec2:DescribeNetworkInterfaces/),
    ]);
  });
});
