import { mockClient } from 'aws-sdk-client-mock';

/**
 * aws-sdk-client-mock's `mockClient` for test files that share a worker (vitest.config.ts): mocking a client
 * class stubs `send` on its prototype for the whole process, and nothing undid it, so the next file in the
 * worker would have sent its real requests (to dynalite, s3rver, a loopback fake) into this file's mock.
 * Every stub made here is restored when the file ends (test/setup.ts calls restoreAwsClientMocks).
 */
const stubs: Array<{ restore(): void }> = [];

export const mockAwsClient: typeof mockClient = (client, options) => {
  const stub = mockClient(client, options);
  stubs.push(stub);
  return stub;
};

/** Restores every client mocked through mockAwsClient, the latest first. */
export function restoreAwsClientMocks(): void {
  for (const stub of stubs.splice(0).reverse()) stub.restore();
}
