/**
 * Cost of one monitor tick, in steady state (a server up with players), with the real SDK clients talking to
 * loopback stand-ins: ECS/EC2 (fake endpoint), DynamoDB (dynalite), the game's query port (A2S responder on
 * 127.0.0.1:2457 — the fake EC2 reports 127.0.0.1 as the task's public IP, so no packet leaves the machine).
 */
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/log.js';
import { startA2sResponder } from '../test/support/a2s-responder.js';
import { startDynalite } from '../test/support/dynalite.js';
import { fakeAwsEnv, startFakeAws } from '../test/support/fake-aws-endpoint.js';

export interface TickFigures {
  readonly firstMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly ticks: number;
}

export async function measureMonitorTick(ticks: number): Promise<TickFigures> {
  const aws = await startFakeAws({ desiredCount: 1, taskRunning: true, publicIp: '127.0.0.1' });
  const dynamo = await startDynalite();
  const a2s = await startA2sResponder({ infoPlayers: 3 }, 2457);
  const saved = { ...process.env };
  try {
    await dynamo.createTable('valheim-state');
    Object.assign(process.env, fakeAwsEnv(aws.url), {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      ECS_CLUSTER: 'valheim',
      ECS_SERVICE: 'valheim-server',
      STATE_TABLE: 'valheim-state',
      POLL_RULE_NAME: 'valheim-poll',
      BOT_TOKEN_PARAMETER: '/valheim-ondemand/discord-bot-token',
    });
    // Imported after the environment is set: the module creates its SDK clients at load, as in Lambda.
    const { awsMonitorPorts } = await import('../src/monitor/aws-ports.js');
    const { readMonitorEnvironment } = await import('../src/monitor/environment.js');
    const { runMonitorTick } = await import('../src/monitor/monitor.js');
    const environment = readMonitorEnvironment(process.env);
    const ports = awsMonitorPorts(environment, silentLogger);
    const quiet = { ...ports, polling: { enable: async () => {}, disable: async () => {} } };

    const times: number[] = [];
    for (let i = 0; i < ticks; i++) {
      const started = performance.now();
      const result = await runMonitorTick(quiet, environment.settings, 'schedule');
      times.push(performance.now() - started);
      if (i > 0 && (result.state.phase !== 'ready' || result.state.players !== 3)) {
        throw new Error(`unexpected monitor state ${JSON.stringify(result.state)}`);
      }
    }
    const [first = 0, ...rest] = times;
    const sorted = [...rest].sort((a, b) => a - b);
    return {
      firstMs: first,
      medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
      p90Ms: sorted[Math.floor(sorted.length * 0.9)] ?? 0,
      ticks,
    };
  } finally {
    process.env = saved;
    await Promise.all([aws.close(), dynamo.close(), a2s.close()]);
  }
}
