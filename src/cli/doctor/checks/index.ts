import type { DoctorCheck } from '../check.js';
import { awsCredentials } from './aws-credentials.js';
import { awsRegion } from './aws-region.js';
import { botInGuild } from './bot-in-guild.js';
import { botToken } from './bot-token.js';
import { cdkBootstrap } from './cdk-bootstrap.js';
import { cdkExecutionRole } from './cdk-execution-role.js';
import { deployProtections } from './deploy-protections.js';
import { endpointUp } from './endpoint-up.js';
import { endpointUrl } from './endpoint-url.js';
import { gameService } from './game-service.js';
import { noticeChannel } from './notice-channel.js';
import { publicKey } from './public-key.js';
import { serverImage } from './server-image.js';
import { slashCommands } from './slash-commands.js';
import { ssmParameters } from './ssm-parameters.js';
import { stack } from './stack.js';
import { stackOutputs } from './stack-outputs.js';

/**
 * The chain a game night depends on, in the order `valheim doctor` walks it: each link after the ones it
 * needs (see each check's `needs`), so the first ✗ is the one to fix first. `valheim doctor --help` lists
 * these names in this order.
 */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  awsCredentials,
  awsRegion,
  cdkBootstrap,
  cdkExecutionRole,
  stack,
  stackOutputs,
  ssmParameters,
  botToken,
  botInGuild,
  slashCommands,
  publicKey,
  endpointUrl,
  endpointUp,
  noticeChannel,
  serverImage,
  gameService,
  // Last: what keeps a bad deploy from erasing every copy of the world.
  deployProtections,
];
