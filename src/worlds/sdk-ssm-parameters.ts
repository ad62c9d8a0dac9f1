import { GetParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SsmParameters } from './aws-worlds.js';

/** The active world's SSM calls through the AWS SDK: the CLI and the monitor use this one. */
export function sdkSsmParameters(client: SSMClient): SsmParameters {
  return {
    getParameters: async (names, signal) =>
      (await client.send(new GetParametersCommand({ Names: [...names] }), { abortSignal: signal }))
        .Parameters ?? [],
    putParameter: async (name, value, signal) => {
      await client.send(
        new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }),
        {
          abortSignal: signal,
        },
      );
    },
  };
}
