import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { Moto } from './moto.js';
import { awsClientConfig } from './stack.js';

/**
 * ECS tasks, which moto 5.2.1 cannot run for this stack, and only them:
 * - its services never launch a task (UpdateService copies desiredCount into runningCount at once);
 * - its tasks start RUNNING and never pass through PROVISIONING, PENDING or the stop phases, and keep no
 *   exit codes;
 * - ListTasks ignores serviceName;
 * - RunTask of an awsvpc task definition fails with a 500 (AttributeError: 'NetworkInterface' object has no
 *   attribute 'private_dns_name'), so the world-transfer task cannot run there at all.
 * This loopback stand-in sits in front of moto (the functions get it as AWS_ENDPOINT_URL_ECS). Tasks live
 * here, moved through their phases by the test as ECS would move them; clusters, services (their desired
 * count) and task definitions stay in moto, which every other ECS call reaches unchanged. RunTask asks moto
 * for the task definition, so a wrong family still fails as in AWS. A task's network interface and public IP
 * are created in moto's EC2, where the functions look the address up as in AWS.
 */
export interface EcsTask {
  readonly taskArn: string;
  /** `service:<name>` or `family:<family>`, as ECS sets it. */
  readonly group: string;
  readonly taskDefinitionArn: string;
  readonly startedBy?: string;
  readonly overrides?: Record<string, unknown>;
  lastStatus: string;
  desiredStatus: string;
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  networkInterfaceId?: string;
}

export interface EcsTasks {
  readonly url: string;
  readonly clusterName: string;
  readonly serviceName: string;
  /** The game task's public IP: a loopback address, where the test's A2S responder listens. */
  readonly publicIp: string;
  readonly tasks: EcsTask[];
  /** The game service's desired count, as the functions last set it (UpdateService). */
  readonly desiredCount: () => number;
  /** Every ECS operation the functions called, in order (e.g. "UpdateService", "RunTask"). */
  readonly calls: string[];
  /** The game service's task (the newest), if any. */
  gameTask(): EcsTask | undefined;
  /** Tasks of a task definition family that ECS has not stopped yet. */
  running(family: string): EcsTask[];
  /** ECS's next step for the game task: PROVISIONING → PENDING → RUNNING, and the stop phases → STOPPED. */
  advance(): Promise<EcsTask>;
  /** A one-off task ends: its essential container exited with `exitCode`. */
  finish(task: EcsTask, exitCode: number): void;
  /** The environment overrides a task was started with (RunTask's containerOverrides). */
  environment(task: EcsTask): Record<string, string>;
  /** A task as EventBridge delivers ECS's Task State Change event. */
  event(task: EcsTask): Record<string, unknown>;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const ACTIVE = ['PROVISIONING', 'PENDING', 'ACTIVATING'];

export async function startEcsTasks(options: {
  readonly moto: Moto;
  readonly region: string;
  readonly cluster: string;
  readonly clusterArn: string;
  readonly service: string;
  readonly subnet: string;
  readonly publicIp: string;
  /** The test's clock (the functions' wall clock). */
  readonly now: () => number;
}): Promise<EcsTasks> {
  const { moto, region, cluster, clusterArn, service, now } = options;
  const ec2 = new EC2Client(awsClientConfig(moto, region));
  const tasks: EcsTask[] = [];
  const calls: string[] = [];
  let desired = 0;
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  const gameGroup = `service:${service}`;
  const gameTask = () => tasks.filter((task) => task.group === gameGroup).at(-1);
  const activeGameTask = () => {
    const task = gameTask();
    return task && task.lastStatus !== 'STOPPED' ? task : undefined;
  };
  const isGameService = (name: unknown) =>
    typeof name === 'string' && (name === service || name.endsWith(`/${service}`));
  const familyOf = (definition: string) =>
    definition.replace(/^arn:.*:task-definition\//, '').replace(/:\d+$/, '');
  const newArn = () => `arn:aws:ecs:${region}:123456789012:task/${cluster}/${randomUUID().replace(/-/g, '')}`;

  const describe = (task: EcsTask) => ({
    taskArn: task.taskArn,
    clusterArn,
    group: task.group,
    taskDefinitionArn: task.taskDefinitionArn,
    launchType: 'FARGATE',
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    ...(task.startedBy && { startedBy: task.startedBy }),
    ...(task.overrides && { overrides: task.overrides }),
    createdAt: seconds(task.createdAt),
    pullStartedAt: seconds(task.pullStartedAt),
    pullStoppedAt: seconds(task.pullStoppedAt),
    startedAt: seconds(task.startedAt),
    stoppedAt: seconds(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    containers: [
      {
        name: task.group === gameGroup ? 'valheim' : 'transfer',
        lastStatus: task.lastStatus,
        ...(task.exitCode !== undefined && { exitCode: task.exitCode }),
      },
    ],
    attachments: task.networkInterfaceId
      ? [
          {
            type: 'ElasticNetworkInterface',
            status: 'ATTACHED',
            details: [{ name: 'networkInterfaceId', value: task.networkInterfaceId }],
          },
        ]
      : [],
  });

  const forward = async (target: string, body: string) => {
    const response = await fetch(moto.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        authorization: `AWS4-HMAC-SHA256 Credential=AKIAMOTOLOOPBACKONLY/20260101/${region}/ecs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body,
    });
    return { status: response.status, text: await response.text() };
  };

  /** The service scheduler: a task when the desired count goes to 1, the stop of it when it goes to 0. */
  const schedule = () => {
    const task = activeGameTask();
    if (desired > 0 && !task) {
      tasks.push({
        taskArn: newArn(),
        group: gameGroup,
        taskDefinitionArn: `arn:aws:ecs:${region}:123456789012:task-definition/${service}:1`,
        startedBy: 'ecs-svc/e2e',
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        createdAt: now(),
      });
    }
    if (desired === 0 && task && task.desiredStatus === 'RUNNING') {
      task.desiredStatus = 'STOPPED';
      task.stopCode = 'ServiceSchedulerInitiated';
      task.stoppedReason = 'Scaling activity initiated by (deployment ecs-svc/e2e)';
    }
  };

  const handle = async (operation: string, target: string, body: string): Promise<[number, unknown]> => {
    const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    switch (operation) {
      case 'ListTasks': {
        const status = (input.desiredStatus as string | undefined) ?? 'RUNNING';
        const found = tasks.filter(
          (task) =>
            task.desiredStatus === status &&
            (input.serviceName === undefined ||
              (isGameService(input.serviceName) && task.group === gameGroup)) &&
            (input.family === undefined || task.group === `family:${input.family}`) &&
            (input.startedBy === undefined || task.startedBy === input.startedBy),
        );
        const limit = typeof input.maxResults === 'number' ? input.maxResults : 100;
        return [200, { taskArns: found.slice(0, limit).map((task) => task.taskArn) }];
      }
      case 'DescribeTasks': {
        const arns = (input.tasks as string[]) ?? [];
        const found = tasks.filter((task) => arns.includes(task.taskArn));
        const missing = arns.filter((arn) => !found.some((task) => task.taskArn === arn));
        return [
          200,
          { tasks: found.map(describe), failures: missing.map((arn) => ({ arn, reason: 'MISSING' })) },
        ];
      }
      case 'RunTask': {
        // The task definition must exist in moto (the template's), as in AWS.
        const definition = await forward(
          `${TARGET_PREFIX}DescribeTaskDefinition`,
          JSON.stringify({ taskDefinition: input.taskDefinition }),
        );
        if (definition.status !== 200) return [definition.status, definition.text];
        const arn = (JSON.parse(definition.text) as { taskDefinition: { taskDefinitionArn: string } })
          .taskDefinition.taskDefinitionArn;
        const subnets = (input.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } })
          ?.awsvpcConfiguration?.subnets;
        const eni = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnets?.[0] }));
        const task: EcsTask = {
          taskArn: newArn(),
          group: `family:${familyOf(arn)}`,
          taskDefinitionArn: arn,
          ...(typeof input.startedBy === 'string' && { startedBy: input.startedBy }),
          ...(input.overrides !== undefined && { overrides: input.overrides as Record<string, unknown> }),
          lastStatus: 'PROVISIONING',
          desiredStatus: 'RUNNING',
          createdAt: now(),
          ...(eni.NetworkInterface?.NetworkInterfaceId && {
            networkInterfaceId: eni.NetworkInterface.NetworkInterfaceId,
          }),
        };
        tasks.push(task);
        return [200, { tasks: [describe(task)], failures: [] }];
      }
      case 'StopTask': {
        const task = tasks.find((candidate) => candidate.taskArn === input.task);
        if (!task)
          return [
            400,
            { __type: 'InvalidParameterException', message: 'The referenced task was not found.' },
          ];
        task.desiredStatus = 'STOPPED';
        task.stopCode = 'UserInitiated';
        task.stoppedReason = String(input.reason ?? 'Task stopped by user');
        return [200, { task: describe(task) }];
      }
    }
    const answer = await forward(target, body);
    if (answer.status !== 200) return [answer.status, answer.text];
    if (operation === 'UpdateService' && isGameService(input.service)) {
      if (typeof input.desiredCount === 'number') desired = input.desiredCount;
      schedule();
    }
    if (operation === 'DescribeServices') {
      const parsed = JSON.parse(answer.text) as { services?: Array<Record<string, unknown>> };
      for (const found of parsed.services ?? []) {
        if (!isGameService(found.serviceName)) continue;
        // moto copies desiredCount into runningCount at once: the counts come from the task here.
        const task = activeGameTask();
        found.desiredCount = desired;
        found.runningCount = task?.lastStatus === 'RUNNING' ? 1 : 0;
        found.pendingCount = task && ACTIVE.includes(task.lastStatus) ? 1 : 0;
      }
      return [200, parsed];
    }
    return [200, answer.text];
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.replace(TARGET_PREFIX, '');
      calls.push(operation);
      handle(operation, target, Buffer.concat(chunks).toString('utf8'))
        .catch((error: Error): [number, unknown] => [
          500,
          { __type: 'ServerException', message: error.message },
        ])
        .then(([status, answer]) => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clusterName: cluster,
    serviceName: service,
    publicIp: options.publicIp,
    tasks,
    calls,
    desiredCount: () => desired,
    gameTask,
    running: (family) =>
      tasks.filter((task) => task.group === `family:${family}` && task.desiredStatus === 'RUNNING'),
    advance: async () => {
      const task = activeGameTask();
      if (!task) throw new Error('no game task: nothing asked the service for one');
      if (task.desiredStatus === 'STOPPED') {
        const next: Record<string, string> = {
          RUNNING: 'DEACTIVATING',
          DEACTIVATING: 'STOPPING',
          STOPPING: 'DEPROVISIONING',
        };
        task.lastStatus = next[task.lastStatus] ?? 'STOPPED';
        if (task.lastStatus === 'STOPPED') task.stoppedAt = now();
      } else if (task.lastStatus === 'PROVISIONING') {
        const eni = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: options.subnet }));
        task.networkInterfaceId = eni.NetworkInterface?.NetworkInterfaceId;
        task.lastStatus = 'PENDING';
        task.pullStartedAt = now();
      } else if (task.lastStatus === 'PENDING') {
        const address = await ec2.send(
          new AllocateAddressCommand({ Domain: 'vpc', Address: options.publicIp }),
        );
        await ec2.send(
          new AssociateAddressCommand({
            AllocationId: address.AllocationId,
            NetworkInterfaceId: task.networkInterfaceId,
          }),
        );
        task.pullStoppedAt = now();
        task.lastStatus = 'RUNNING';
        task.startedAt = now();
      }
      return task;
    },
    finish: (task, exitCode) => {
      task.exitCode = exitCode;
      task.lastStatus = 'STOPPED';
      task.desiredStatus = 'STOPPED';
      task.stoppedAt = now();
      task.stopCode = 'EssentialContainerExited';
      task.stoppedReason = 'Essential container in task exited';
    },
    environment: (task) => {
      const overrides = task.overrides as
        | { containerOverrides?: Array<{ environment?: Array<{ name: string; value: string }> }> }
        | undefined;
      const entries =
        overrides?.containerOverrides?.flatMap((container) => container.environment ?? []) ?? [];
      return Object.fromEntries(entries.map((entry) => [entry.name, entry.value]));
    },
    event: (task) => ({
      version: '0',
      id: randomUUID(),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '123456789012',
      time: new Date(now()).toISOString(),
      region,
      resources: [task.taskArn],
      detail: { ...describe(task), updatedAt: new Date(now()).toISOString() },
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
