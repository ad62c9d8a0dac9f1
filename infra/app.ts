import { App } from 'aws-cdk-lib';
import { buildConfiguredApp } from './valheim-app.js';

// CDK app entry (cdk.json "app"). Synthesizes without AWS credentials: the stack needs no lookups.
const exitCode = buildConfiguredApp(new App(), process.env, (message) => console.error(message));
if (exitCode !== 0) process.exit(exitCode);
