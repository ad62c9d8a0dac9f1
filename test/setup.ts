// Adds toHaveReceivedCommandWith & co. to expect() for aws-sdk-client-mock.
import 'aws-sdk-client-mock-vitest/extend';
import { recordFileCost } from './support/file-cost.js';

// npm run test:cost: what each file costs in CPU (test/support/cost-reporter.ts).
if (process.env.VALHEIM_TEST_COST) recordFileCost(process.env.VALHEIM_TEST_COST);
