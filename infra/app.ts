import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { loadModsDeployment } from '../src/mods/deployment.js';
import {
  addCiAccessStack,
  addValheimStack,
  chooseConfigFile,
  discordDeployRun,
  readCiAccessContext,
} from './valheim-app.js';

// CDK app entry (cdk.json "app"). Synthesizes without AWS credentials: the stack needs no lookups.
const app = new App();
try {
  const choice = chooseConfigFile(app.node.tryGetContext('config'), process.env.VALHEIM_CONFIG);
  if (choice.warning) console.error(choice.warning);
  const config = loadConfig(choice.file);
  // Read first, so that a misspelled -c ciAccess… option fails before anything is built.
  const ciAccess = readCiAccessContext(app);
  // Every deploy reconciles Discord (commands, endpoint URL), so a redeploy retries what failed before.
  // The locked mods next to the config (valheim.mods.lock.json, mods/config): refused when stale.
  const mods = loadModsDeployment(choice.file, config);
  addValheimStack(app, config, { discordDeployRun: discordDeployRun(app), ...(mods && { mods }) });
  // Only with -c ciAccess=group/project and/or -c ciAccessGitHub=owner/repo.
  addCiAccessStack(app, config, ciAccess);
} catch (error) {
  // A config mistake is the user's to fix: say what is wrong (one line per field), without a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
