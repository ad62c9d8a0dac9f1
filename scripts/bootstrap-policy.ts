import { parseArgs } from 'node:util';
import { cloudFormationExecutionPolicy, permissionsBoundaryPolicy } from '../src/config/bootstrap-policy.js';
import { ConfigError, chooseConfigFile, loadConfig } from '../src/config/load.js';

// For the configured stack (valheim.config.json, or VALHEIM_CONFIG), to create before `cdk bootstrap` (README,
// Security):
//   npm run --silent bootstrap-policy > cfn-execution-policy.json                  the execution policy
//   npm run --silent bootstrap-policy -- --boundary > permissions-boundary.json    the permissions boundary
//   npm run --silent bootstrap-policy -- --seal-world-bucket NAME > …              either, sealing the bucket
const USAGE =
  'usage: npm run --silent bootstrap-policy [-- [--boundary] [--seal-world-bucket <bucket name>]]';

try {
  let options: { boundary?: boolean; 'seal-world-bucket'?: string };
  try {
    options = parseArgs({
      options: { boundary: { type: 'boolean' }, 'seal-world-bucket': { type: 'string' } },
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.split('\n')[0]} (${USAGE})`);
  }
  const choice = chooseConfigFile(undefined, process.env.VALHEIM_CONFIG);
  if (choice.warning) console.error(choice.warning);
  const { stackName } = loadConfig(choice.file);
  const sealedWorldBucket = options['seal-world-bucket'];
  const policyOptions = sealedWorldBucket ? { sealedWorldBucket } : {};
  let policy: object;
  try {
    policy = options.boundary
      ? permissionsBoundaryPolicy(stackName, policyOptions)
      : cloudFormationExecutionPolicy(stackName, policyOptions);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
