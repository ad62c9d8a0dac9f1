import type {
  DescribeServicesRequest,
  DescribeServicesResponse,
  DescribeTasksRequest,
  DescribeTasksResponse,
  ListTasksRequest,
  ListTasksResponse,
  RunTaskRequest,
  RunTaskResponse,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from '@aws-sdk/client-ecs';
import { AwsClient } from './client.js';

/**
 * The ECS calls of the game server and the world-transfer commands, in the SDK's own request and response
 * types. Two implementations: `sdkEcs` (the monitor and the CLI) and `lightEcs` (the interactions Lambda).
 */
export interface EcsApi {
  describeServices(input: DescribeServicesRequest, signal?: AbortSignal): Promise<DescribeServicesResponse>;
  listTasks(input: ListTasksRequest, signal?: AbortSignal): Promise<ListTasksResponse>;
  describeTasks(input: DescribeTasksRequest, signal?: AbortSignal): Promise<DescribeTasksResponse>;
  updateService(input: UpdateServiceRequest, signal?: AbortSignal): Promise<UpdateServiceResponse>;
  runTask(input: RunTaskRequest, signal?: AbortSignal): Promise<RunTaskResponse>;
}

export const ECS = { signingName: 'ecs', endpointPrefix: 'ecs', endpointId: 'ECS' };

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';

/**
 * ECS's timestamps travel as epoch seconds; the SDK turns them into Dates. Every ECS member named `…At`
 * (createdAt, startedAt, stoppedAt, pullStartedAt, …) is such a timestamp, so the reviver does the same.
 */
function timestamps(key: string, value: unknown): unknown {
  return typeof value === 'number' && key.endsWith('At') ? new Date(value * 1000) : value;
}

/** ECS over the light client (JSON 1.1). */
export function lightEcs(client: AwsClient = new AwsClient(ECS)): EcsApi {
  const call =
    <I, O>(operation: string) =>
    (input: I, signal?: AbortSignal) =>
      client.json<O>(`${TARGET_PREFIX}.${operation}`, input, { version: '1.1', signal }, timestamps);
  return {
    describeServices: call('DescribeServices'),
    listTasks: call('ListTasks'),
    describeTasks: call('DescribeTasks'),
    updateService: call('UpdateService'),
    runTask: call('RunTask'),
  };
}
