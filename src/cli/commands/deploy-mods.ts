import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ValheimConfig } from '../../config/schema.js';
import type { ModsDeployment } from '../../mods/deployment.js';
import { lockedSets } from '../../mods/lockfile.js';
import { MODS_PREFIX } from '../../mods/plan.js';
import { playerProfile } from '../../mods/profile.js';
import { sha256, type Thunderstore, thunderstoreClient } from '../../mods/thunderstore.js';
import { type BucketPort, s3Bucket, uploadMods } from '../../mods/upload.js';
import { ModsError } from '../../records/mod-package.js';
import { discordRest, resolveBotToken } from '../discord-client.js';
import { awsFailure, CliError, oneLine } from '../errors.js';
import type { Terminal } from '../io.js';
import { describeStack } from '../stack-outputs.js';
import { thunderstoreCacheDir } from './mods-actions.js';

/** What the deploy needs to put the locked mods in the world bucket. */
export interface DeployModsDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly s3?: (region: string) => S3Client;
  readonly cloudFormation?: (region: string) => CloudFormationClient;
  readonly thunderstore?: () => Thunderstore;
  /** For the bot token in SSM (the profile's post in Discord). */
  readonly ssm?: (region: string) => SSMClient;
}

/** The world bucket of the deployed stack, or undefined before the first deploy. */
export async function deployedWorldBucket(
  config: ValheimConfig,
  deps: DeployModsDeps,
): Promise<string | undefined> {
  const cloudFormation = (deps.cloudFormation ?? ((region) => new CloudFormationClient({ region })))(
    config.region,
  );
  try {
    return (await describeStack(cloudFormation, config.stackName))?.outputs.WorldBucket;
  } catch (error) {
    throw awsFailure(error, {
      action: `read the outputs of stack ${config.stackName}`,
      permission: 'cloudformation:DescribeStacks',
      region: config.region,
    });
  }
}

/** Uploads the locked zips, plans and the players' profiles; one line of what it did. */
export async function uploadDeployMods(
  mods: ModsDeployment,
  config: ValheimConfig,
  bucket: string,
  deps: DeployModsDeps,
): Promise<void> {
  const s3 = (deps.s3 ?? ((region) => new S3Client({ region })))(config.region);
  const thunderstore =
    deps.thunderstore?.() ??
    thunderstoreClient({
      ...(deps.env.VALHEIM_THUNDERSTORE_URL && { baseUrl: deps.env.VALHEIM_THUNDERSTORE_URL }),
      cacheDir: thunderstoreCacheDir(deps.env),
    });
  try {
    const result = await uploadMods(mods, config.server.name, s3Bucket(s3, bucket), thunderstore);
    deps.term.out(
      `Mods: ${result.uploaded} new files in s3://${bucket}/mods (${(result.bytes / 1048576).toFixed(1)} MB), ${result.present} already there.`,
    );
  } catch (error) {
    if (error instanceof ModsError)
      throw new CliError(error.message, error.fix ?? 'see npx valheim mods --help');
    if (error instanceof CliError) throw error;
    throw awsFailure(error, {
      action: `upload the locked mods to s3://${bucket}/mods`,
      permission: 's3:PutObject',
      region: config.region,
    });
  }
}

/** Marks a profile already posted to the notice channel: `mods/announced/<profile sha256>`. */
export const announcedKey = (profileSha: string) => `${MODS_PREFIX}/announced/${profileSha}`;

/**
 * Players need the profile (.r2z) in Discord, and an interaction reply cannot carry a file (Discord refuses
 * multipart answers to HTTP interactions), so the deploy posts each set's profile to the notice channel as the
 * bot, once per profile: a new or changed mod set is announced with the file to import, and a deploy that
 * changed nothing posts nothing. A failed post warns and is tried again by the next deploy; it never fails
 * the deploy (the server is already updated).
 */
export async function announceModProfiles(
  mods: ModsDeployment,
  config: ValheimConfig,
  bucket: string,
  deps: DeployModsDeps,
  port?: BucketPort,
): Promise<number> {
  const { lock, configs } = mods;
  const profiles = lockedSets(lock).flatMap(({ key, set }) => {
    const world = key === 'default' ? undefined : key.slice('world '.length);
    const bytes = playerProfile(
      lock,
      set,
      world ? `${config.server.name} ${world}` : config.server.name,
      configs,
    );
    const count = set.packages.length;
    return bytes ? [{ world, bytes, sha: sha256(bytes), count }] : [];
  });
  if (profiles.length === 0) return 0;
  const channel = config.discord.noticeChannelId;
  if (!channel) {
    deps.term.err(
      'valheim: note: no discord.noticeChannelId, so the players’ mod profile is not posted in Discord; share the file npx valheim mods export writes',
    );
    return 0;
  }
  const marks = port ?? s3Bucket((deps.s3 ?? ((region) => new S3Client({ region })))(config.region), bucket);
  let posted = 0;
  try {
    const fresh = [];
    for (const profile of profiles) {
      if (!(await marks.exists(announcedKey(profile.sha)))) fresh.push(profile);
    }
    if (fresh.length === 0) return 0;
    const { token } = await resolveBotToken(
      deps.env,
      () => config,
      deps.ssm ?? ((region) => new SSMClient({ region })),
    );
    const rest = await discordRest(token, deps.env);
    for (const profile of fresh) {
      const name = `${config.server.name}${profile.world ? ` ${profile.world}` : ''}`;
      const filename = `${name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'valheim'}.r2z`;
      await rest.post(`/channels/${channel}/messages`, {
        body: {
          content: `🧩 **New mods for ${name}** (${profile.count} packages). Import the attached profile in r2modman or Thunderstore Mod Manager (Import / update → From file) before you join; \`/valheim mods\` lists every mod with its version.`,
          allowed_mentions: { parse: [] },
          attachments: [{ id: 0, filename }],
        },
        files: [{ name: filename, data: Buffer.from(profile.bytes), contentType: 'application/zip' }],
      });
      await marks.put(announcedKey(profile.sha), '', 'text/plain');
      posted++;
    }
    deps.term.out(`Posted the players’ mod profile to the notice channel (${posted}).`);
  } catch (error) {
    deps.term.err(
      `valheim: warning: the players’ mod profile was not posted in Discord (${oneLine(error instanceof Error ? error.message : String(error))}); the next deploy tries again, or share the file npx valheim mods export writes`,
    );
  }
  return posted;
}
