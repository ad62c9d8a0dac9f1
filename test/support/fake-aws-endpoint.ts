import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the AWS APIs the interactions endpoint calls besides DynamoDB (dynalite plays
 * that): ECS over JSON 1.1, SSM and Cost Explorer over JSON 1.1, EC2 over the query protocol. Both the light
 * client and the SDK clients reach it through AWS_ENDPOINT_URL. It models one game service with one task,
 * the world-transfer tasks of one family, and records every request; tests script faults and delays.
 */
export interface FakeAwsState {
  desiredCount: number;
  /** Whether the single task is running (with a public IP) when desiredCount is 1. */
  taskRunning: boolean;
  publicIp: string;
  /** `ecs:DescribeServices`, `ec2:DescribeNetworkInterfaces`, … in arrival order. */
  calls: string[];
  /** Every request with its decoded input, in arrival order. */
  requests: FakeAwsRequest[];
  /** ECS has not caught up: UpdateService is recorded but the service keeps reporting what it did. */
  ignoreUpdates: boolean;
  /** ARNs ListTasks returns for a task-definition family (the world-transfer tasks). */
  familyTasks: string[];
  /** What RunTask starts. */
  runTaskArn: string;
  /** SSM parameters (GetParameter answers ParameterNotFound for others). */
  parameters: Record<string, string>;
  /** Cost Explorer's month-to-date amount (USD). */
  costAmount: string;
  /** Faults to inject, matched by `service:Action`, consumed in order. */
  faults: FakeAwsFault[];
  /** Milliseconds to hold every answer (a slow network). */
  delayMs: number;
}

export interface FakeAwsRequest {
  /** e.g. `ecs:RunTask`. */
  readonly call: string;
  readonly input: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface FakeAwsFault {
  /** `service:Action`, e.g. `ecs:UpdateService`. */
  readonly call: string;
  /** The error code AWS would send (`__type`), e.g. `AccessDeniedException`. */
  readonly code: string;
  /** @default 400 */
  readonly status?: number;
  readonly message?: string;
  /** How many requests it applies to. @default 1 */
  times?: number;
}

export interface FakeAwsEndpoint {
  readonly url: string;
  readonly state: FakeAwsState;
  /** The inputs of the requests to `call` (e.g. `ecs:RunTask`), in arrival order. */
  inputs(call: string): Record<string, unknown>[];
  close(): Promise<void>;
}

const TASK_ARN = 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/0123456789abcdef';

/** x-amz-target prefixes of the JSON services. */
const TARGETS: Record<string, string> = {
  AmazonEC2ContainerServiceV20141113: 'ecs',
  AmazonSSM: 'ssm',
  AWSInsightsIndexService: 'ce',
};

export async function startFakeAws(initial: Partial<FakeAwsState> = {}): Promise<FakeAwsEndpoint> {
  const state: FakeAwsState = {
    desiredCount: 0,
    taskRunning: true,
    publicIp: '3.120.45.67',
    calls: [],
    requests: [],
    ignoreUpdates: false,
    familyTasks: [],
    runTaskArn: 'arn:aws:ecs:eu-central-1:111122223333:task/valheim/transfer0000000',
    parameters: {},
    costAmount: '0',
    faults: [],
    delayMs: 0,
    ...initial,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = request.headers['x-amz-target'];
      let call: string;
      let input: Record<string, unknown>;
      if (typeof target === 'string') {
        const [prefix = '', action = ''] = target.split('.');
        call = `${TARGETS[prefix] ?? prefix}:${action}`;
        input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } else {
        const params = new URLSearchParams(body);
        call = `ec2:${params.get('Action') ?? ''}`;
        input = Object.fromEntries(params);
      }
      state.calls.push(call);
      state.requests.push({ call, input, headers: request.headers });
      const answer = () => {
        const fault = takeFault(state, call);
        if (fault) {
          response.writeHead(fault.status ?? 400, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ __type: fault.code, message: fault.message ?? fault.code }));
          return;
        }
        if (call.startsWith('ec2:')) {
          response.writeHead(200, { 'content-type': 'text/xml' });
          response.end(
            `<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><networkInterfaceSet><item><networkInterfaceId>eni-0abc</networkInterfaceId><association><publicIp>${state.publicIp}</publicIp></association></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`,
          );
          return;
        }
        const result = json(call, input, state);
        response.writeHead(result.status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(result.body));
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    inputs: (call) => state.requests.filter((r) => r.call === call).map((r) => r.input),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function takeFault(state: FakeAwsState, call: string): FakeAwsFault | undefined {
  const index = state.faults.findIndex((fault) => fault.call === call);
  const fault = state.faults[index];
  if (!fault) return undefined;
  fault.times = (fault.times ?? 1) - 1;
  if (fault.times <= 0) state.faults.splice(index, 1);
  return fault;
}

function json(
  call: string,
  input: Record<string, unknown>,
  state: FakeAwsState,
): { status: number; body: unknown } {
  const ok = (body: unknown) => ({ status: 200, body });
  const up = state.desiredCount > 0 && state.taskRunning;
  switch (call) {
    case 'ecs:DescribeServices':
      return ok({
        services: [
          {
            status: 'ACTIVE',
            desiredCount: state.desiredCount,
            runningCount: up ? 1 : 0,
            pendingCount: state.desiredCount > 0 && !up ? 1 : 0,
          },
        ],
        failures: [],
      });
    case 'ecs:ListTasks':
      if (input.family !== undefined) return ok({ taskArns: state.familyTasks });
      return ok({ taskArns: input.desiredStatus === 'RUNNING' && state.desiredCount > 0 ? [TASK_ARN] : [] });
    case 'ecs:DescribeTasks':
      return ok({
        tasks: [
          {
            taskArn: TASK_ARN,
            lastStatus: up ? 'RUNNING' : 'PENDING',
            desiredStatus: 'RUNNING',
            createdAt: Date.now() / 1000 - 700,
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
      });
    case 'ecs:UpdateService':
      if (!state.ignoreUpdates) state.desiredCount = Number(input.desiredCount);
      return ok({ service: { desiredCount: Number(input.desiredCount) } });
    case 'ecs:RunTask':
      return ok({ tasks: [{ taskArn: state.runTaskArn, lastStatus: 'PROVISIONING' }], failures: [] });
    case 'ssm:GetParameter': {
      const value = state.parameters[String(input.Name)];
      return value === undefined
        ? { status: 400, body: { __type: 'ParameterNotFound', message: String(input.Name) } }
        : ok({ Parameter: { Name: input.Name, Type: 'SecureString', Value: value, Version: 1 } });
    }
    case 'ssm:GetParameters': {
      const names = (input.Names as string[] | undefined) ?? [];
      const found = names.filter((name) => state.parameters[name] !== undefined);
      return ok({
        Parameters: found.map((name) => ({ Name: name, Type: 'String', Value: state.parameters[name] })),
        InvalidParameters: names.filter((name) => !found.includes(name)),
      });
    }
    case 'ssm:PutParameter': {
      const name = String(input.Name);
      if (state.parameters[name] !== undefined && input.Overwrite !== true) {
        return { status: 400, body: { __type: 'ParameterAlreadyExists', message: name } };
      }
      state.parameters[name] = String(input.Value);
      return ok({ Version: 2 });
    }
    case 'ce:GetCostAndUsage':
      return ok({
        ResultsByTime: [{ Total: { UnblendedCost: { Amount: state.costAmount, Unit: 'USD' } } }],
      });
    default:
      return { status: 400, body: { __type: 'InvalidParameterException', message: call } };
  }
}

/** Environment for clients talking to the fake (dummy credentials: nothing leaves the machine). */
export function fakeAwsEnv(url: string): Record<string, string> {
  return {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-loopback-only',
    AWS_ENDPOINT_URL: url,
  };
}
