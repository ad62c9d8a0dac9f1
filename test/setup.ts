// Adds toHaveReceivedCommandWith & co. to expect() for aws-sdk-client-mock.
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll } from 'vitest';
import { restoreAwsClientMocks } from './support/aws-mock.js';
import { recordFileCost } from './support/file-cost.js';

// Runs for every test file, also where files share a worker (vitest.config.ts): the AWS client classes a file
// mocked are real again for the next file.
afterAll(restoreAwsClientMocks);

// npm run test:cost: what each file costs in CPU (test/support/cost-reporter.ts).
if (process.env.VALHEIM_TEST_COST) recordFileCost(process.env.VALHEIM_TEST_COST);
