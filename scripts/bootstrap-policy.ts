import { chooseConfigFile } from '../infra/valheim-app.js';
import { cloudFormationExecutionPolicy } from '../src/config/bootstrap-policy.js';
import { ConfigError, loadConfig } from '../src/config/load.js';

// `npm run --silent bootstrap-policy > policy.json`: the least-privileged CloudFormation execution policy for
// the configured stack (valheim.config.json, or VALHEIM_CONFIG), to create before `cdk bootstrap
// --cloudformation-execution-policies` (docs/ci-cd.md).
try {
  const choice = chooseConfigFile(undefined, process.env.VALHEIM_CONFIG);
  if (choice.warning) console.error(choice.warning);
  const { stackName } = loadConfig(choice.file);
  process.stdout.write(`${JSON.stringify(cloudFormationExecutionPolicy(stackName), null, 2)}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
