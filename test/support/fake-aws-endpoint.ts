import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the two AWS APIs the interactions endpoint calls (ECS over JSON 1.1, EC2 over
 * the query protocol), so the real SDK clients, bundled as deployed, can be exercised through
 * AWS_ENDPOINT_URL. It models one service with one task.
 */
export interface FakeAwsState {
  desiredCount: number;
  /** Whether the single task is running (with a public IP) when desiredCount is 1. */
  taskRunning: boolean;
  publicIp: string;
  calls: string[];
}

export interface FakeAwsEndpoint {
  readonly url: string;
  readonly state: FakeAwsState;
  close(): Promise<void>;
}

const TASK_ARN = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/0123456789abcdef';

export async function startFakeAws(initial: Partial<FakeAwsState> = {}): Promise<FakeAwsEndpoint> {
  const state: FakeAwsState = {
    desiredCount: 0,
    taskRunning: true,
    publicIp: '3.120.45.67',
    calls: [],
    ...initial,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string') {
        const action = target.split('.').pop() ?? '';
        state.calls.push(`ecs:${action}`);
        const result = ecs(action, body ? JSON.parse(body) : {}, state);
        response.writeHead(result ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(result ?? { __type: 'InvalidParameterException', message: action }));
        return;
      }
      const action = new URLSearchParams(body).get('Action') ?? '';
      state.calls.push(`ec2:${action}`);
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><networkInterfaceSet><item><networkInterfaceId>eni-0abc</networkInterfaceId><association><publicIp>${state.publicIp}</publicIp></association></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function ecs(action: string, input: Record<string, unknown>, state: FakeAwsState): unknown {
  const up = state.desiredCount > 0 && state.taskRunning;
  switch (action) {
    case 'DescribeServices':
      return {
        services: [
          {
            status: 'ACTIVE',
            desiredCount: state.desiredCount,
            runningCount: up ? 1 : 0,
            pendingCount: state.desiredCount > 0 && !up ? 1 : 0,
          },
        ],
        failures: [],
      };
    case 'ListTasks':
      return { taskArns: input.desiredStatus === 'RUNNING' && state.desiredCount > 0 ? [TASK_ARN] : [] };
    case 'DescribeTasks':
      return {
        tasks: [
          {
            taskArn: TASK_ARN,
            lastStatus: up ? 'RUNNING' : 'PENDING',
            desiredStatus: 'RUNNING',
            startedAt: up ? Date.now() / 1000 - 600 : undefined,
            attachments: [
              {
                type: 'ElasticNetworkInterface',
                details: [{ name: 'networkInterfaceId', value: 'eni-0abc' }],
              },
            ],
          },
        ],
        failures: [],
      };
    case 'UpdateService':
      state.desiredCount = Number(input.desiredCount);
      return { service: { desiredCount: state.desiredCount } };
    default:
      return undefined;
  }
}

/** Environment for SDK clients talking to the fake (dummy credentials: nothing leaves the machine). */
export function fakeAwsEnv(url: string): Record<string, string> {
  return {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-loopback-only',
    AWS_ENDPOINT_URL: url,
  };
}
