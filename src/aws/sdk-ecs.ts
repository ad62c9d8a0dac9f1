import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { EcsApi } from './ecs.js';

/** ECS through the AWS SDK client: the monitor, the CLI and tests with aws-sdk-client-mock use this one. */
export function sdkEcs(client: ECSClient): EcsApi {
  return {
    describeServices: (input, signal) =>
      client.send(new DescribeServicesCommand(input), { abortSignal: signal }),
    listTasks: (input, signal) => client.send(new ListTasksCommand(input), { abortSignal: signal }),
    describeTasks: (input, signal) => client.send(new DescribeTasksCommand(input), { abortSignal: signal }),
    updateService: (input, signal) => client.send(new UpdateServiceCommand(input), { abortSignal: signal }),
    runTask: (input, signal) => client.send(new RunTaskCommand(input), { abortSignal: signal }),
  };
}
