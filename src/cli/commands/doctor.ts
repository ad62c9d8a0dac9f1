import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { DiscordRest } from '../../discord/rest-client.js';
import type { CommandContext } from '../command-context.js';
import { discordApiUrl } from '../discord-client.js';
import { type DoctorContext, type Findings, HTTP_TIMEOUT_MS } from '../doctor/check.js';
import { DOCTOR_CHECKS } from '../doctor/checks/index.js';
import { formatCheck, printReport, runChecks } from '../doctor/runner.js';
import { type Terminal, wrapWords } from '../io.js';

/**
 * `valheim doctor`: walks the chain a game night depends on, from AWS credentials to the game service, and
 * prints one line per link — ✓, or ✗ with the fix; a link that cannot be checked because an earlier one
 * failed is skipped (–). Exits 1 on any ✗. The links are the checks in ../doctor/checks/.
 */
export interface DoctorOptions {
  readonly config: string;
  readonly json?: boolean;
}

export interface DoctorDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
  readonly ecs: (region: string) => ECSClient;
}

export async function doctor(options: DoctorOptions, deps: DoctorDeps): Promise<number> {
  const config = loadConfig(options.config);
  const { region } = config;
  // Loaded here rather than at the top: the EC2 client is about 0.8 MB, and every `valheim` start read it.
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const found: Findings = {};
  // DISCORD_BOT_TOKEN (as for discord wire) wins over the stored token, and works without AWS.
  const tokenFromEnv = deps.env.DISCORD_BOT_TOKEN?.trim().replace(/^Bot\s+/i, '');
  if (tokenFromEnv) found.botToken = { value: tokenFromEnv, source: 'DISCORD_BOT_TOKEN' };
  let rest: DiscordRest | undefined;
  const context: DoctorContext = {
    config,
    env: deps.env,
    found,
    aws: {
      sts: new STSClient({ region }),
      ec2: new EC2Client({ region }),
      cloudFormation: new CloudFormationClient({ region }),
      iam: new IAMClient({ region }),
      ssm: deps.ssm(region),
      ecs: deps.ecs(region),
      backup: new BackupClient({ region }),
      s3: new S3Client({ region }),
    },
    discord: () => {
      rest ??= new DiscordRest({
        baseUrl: `${discordApiUrl(deps.env)}/v10`,
        botToken: async () => found.botToken?.value ?? '',
        timeoutMs: HTTP_TIMEOUT_MS,
      });
      return rest;
    },
  };
  const report = await runChecks(
    DOCTOR_CHECKS,
    context,
    options.json ? undefined : (line) => deps.term.out(formatCheck(line)),
  );
  printReport(report, deps.term, options.json === true);
  return report.ok ? 0 : 1;
}

/** `valheim doctor`. */
export function doctorCommand({ deps, configOption, setExitCode }: CommandContext<DoctorDeps>): Command {
  return new Command('doctor')
    .description(
      'Check every link from AWS credentials to Discord and the game service: ✓, or ✗ with the fix',
    )
    .option('--json', 'print one JSON object')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
${wrapWords(`Checks, in order: ${DOCTOR_CHECKS.map((check) => check.name).join(', ')}. A link that needs a failed one is skipped (–). Exits 1 on any ✗.`)}

Environment: DISCORD_BOT_TOKEN, DISCORD_API_URL (as for valheim discord wire), AWS_PROFILE.`,
    )
    .action(async (options: { json?: boolean; config: string }) => {
      setExitCode(await doctor(options, deps));
    });
}
