import type { ValheimConfig } from '../../config/schema.js';
import { botInviteUrl } from '../../discord/discord-errors.js';
import { type BotPresence, botPresence } from '../bot-in-guild.js';
import { botTokenProblem, MIN_PASSWORD_LENGTH, passwordProblem, setSecrets } from '../commands/secrets.js';
import { resolveBotToken } from '../discord-client.js';
import { CliError } from '../errors.js';
import { reask } from './ask.js';
import type { SetupDeps, WizardContext } from './context.js';

/**
 * The two steps of the wizard that are not config values: the bot token (checked with Discord by way of
 * the invite) and the server password. Both go to SSM, never into the config file.
 */

export const BOT_TOKEN_WHERE = 'Developer Portal → your app → Bot → Reset Token';
const PASSWORD_HINT = `the password players type to join: at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name (Enter = generate one, printed once at the end)`;
const KEPT_PASSWORD_HINT = `the password players type to join: at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name (Enter = keep the stored one)`;
const INVITE_HINT = 'open the link, choose that server (you need Manage Server there) and press Authorize';

/** The generated password, a typed one, or (re-run) the one stored already. */
export type PasswordChoice =
  | { readonly generate: true }
  | { readonly generate: false; readonly password: string }
  | { readonly keep: true };

/**
 * Asking: the bot token (undefined: keep the stored one), then the invite — when Discord can be asked,
 * waits until the bot is in the server. A token Discord rejects is asked again before any invite link.
 */
export async function tokenAndInvite(
  app: { readonly applicationId: string; readonly guildId: string },
  keepable: boolean,
  secretsAt: { readonly region: string; readonly stackName: string },
  context: WizardContext,
): Promise<{ botToken: string | undefined; invited: boolean }> {
  for (let canKeep = keepable; ; canKeep = false) {
    const botToken = await askBotToken(context, canKeep);
    const token = botToken ?? (await storedToken(secretsAt, context.deps));
    const invited = await inviteBot(app, token, context);
    if (invited !== 'token-rejected') return { botToken, invited: invited === 'present' };
    reask(context.deps.term, rejected(botToken), `paste a fresh one: ${BOT_TOKEN_WHERE}`);
  }
}

/**
 * Not asking (--non-interactive), once every local answer passed: whether the bot is in the server, which
 * also proves the token. A rejected token fails; an absent bot or an unreachable Discord is a warning.
 */
export async function checkInvite(
  app: { readonly applicationId: string; readonly guildId: string },
  botToken: string | undefined,
  secretsAt: { readonly region: string; readonly stackName: string },
  context: WizardContext,
): Promise<boolean> {
  const token = botToken ?? (await storedToken(secretsAt, context.deps));
  const invited = await inviteBot(app, token, context);
  if (invited === 'token-rejected') {
    throw new CliError(rejected(botToken), `set VALHEIM_BOT_TOKEN to a fresh one (${BOT_TOKEN_WHERE})`);
  }
  return invited === 'present';
}

function rejected(botToken: string | undefined): string {
  return `Discord rejected the bot token (401 Unauthorized)${botToken === undefined ? ' stored in SSM' : ''}`;
}

/** The token `valheim secrets set` stored, for the invite check of a re-run that keeps it. */
async function storedToken(
  at: { readonly region: string; readonly stackName: string },
  deps: SetupDeps,
): Promise<string | { readonly unknown: string }> {
  try {
    return (await resolveBotToken({}, () => at as ValheimConfig, deps.ssm)).token;
  } catch (error) {
    return { unknown: error instanceof CliError ? error.problem : String(error) };
  }
}

async function inviteBot(
  { applicationId, guildId }: { readonly applicationId: string; readonly guildId: string },
  token: string | { readonly unknown: string },
  { interactive, deps }: WizardContext,
): Promise<'present' | 'unchecked' | 'token-rejected'> {
  const { term } = deps;
  const link = botInviteUrl(applicationId);
  const check = (): Promise<BotPresence> =>
    typeof token === 'string'
      ? botPresence(token, guildId, deps.env)
      : Promise.resolve({ kind: 'unknown', reason: token.unknown });
  if (!interactive) {
    const presence = await check();
    if (presence.kind === 'present') term.out(`The bot is in "${presence.guildName}".`);
    else if (presence.kind === 'absent')
      term.err(`valheim: warning: the bot is not in server ${guildId} yet — ${INVITE_HINT}: ${link}`);
    else if (presence.kind === 'unknown')
      term.err(
        `valheim: warning: could not check that the bot is in server ${guildId} (${presence.reason}) — invite it: ${link}`,
      );
    return presence.kind === 'present'
      ? 'present'
      : presence.kind === 'token-rejected'
        ? 'token-rejected'
        : 'unchecked';
  }
  // The token is checked (by asking where the bot is) before any link is shown: a rejected token is asked
  // again first, and a bot that is in the server already needs no invite.
  for (let asked = false; ; asked = true) {
    const presence = await check();
    if (presence.kind === 'present') {
      term.err(`  ✓ The bot is in "${presence.guildName}".`);
      return 'present';
    }
    if (presence.kind === 'token-rejected') return 'token-rejected';
    if (!asked) {
      term.err(
        '  Invite the bot to your Discord server: the deploy registers /valheim there, and the bot posts notices.',
      );
      term.err(`  ${link}`);
    }
    if (presence.kind === 'unknown') {
      term.err(`  ! Could not check that the bot arrived (${presence.reason}): make sure you authorized it.`);
      return 'unchecked';
    }
    if (asked) reask(term, `the bot is not in server ${guildId} yet`, INVITE_HINT);
    const reply = (
      await deps.promptLine(
        'Press Enter once the bot is in your server (or type "skip" to invite it later): ',
      )
    ).trim();
    if (/^s(kip)?$/i.test(reply)) return 'unchecked';
  }
}

/** The bot token; undefined when `keepable` (a re-run) and the user keeps the stored one. */
export async function askBotToken(
  { interactive, deps }: WizardContext,
  keepable: boolean,
): Promise<string | undefined> {
  const fromEnv = deps.env.VALHEIM_BOT_TOKEN?.trim();
  if (fromEnv) {
    const token = fromEnv.replace(/^Bot\s+/i, '');
    const problem = botTokenProblem(token);
    if (problem) throw new CliError(`VALHEIM_BOT_TOKEN: ${problem.problem}`, problem.fix);
    if (interactive) deps.term.err('  Using the bot token from VALHEIM_BOT_TOKEN.');
    return token;
  }
  if (!interactive) {
    if (keepable) return undefined;
    throw new CliError(
      'VALHEIM_BOT_TOKEN is not set (required with --non-interactive)',
      `set it to the bot token from ${BOT_TOKEN_WHERE}; it goes to SSM, never into the config file`,
    );
  }
  const hint = `${BOT_TOKEN_WHERE}; it is stored in SSM, never in the config file${keepable ? ' (Enter = keep the stored one)' : ''}`;
  deps.term.err(`  ${hint}`);
  for (;;) {
    const token = (await deps.promptHidden('Discord bot token (input hidden): '))
      .trim()
      .replace(/^Bot\s+/i, '');
    if (token === '' && keepable) return undefined;
    const problem = token === '' ? 'an answer is required' : botTokenProblem(token)?.problem;
    if (problem === undefined) return token;
    reask(deps.term, problem, hint);
  }
}

export async function askPassword(
  serverName: string,
  generate: boolean,
  keepable: boolean,
  { interactive, deps }: WizardContext,
): Promise<PasswordChoice> {
  const fromEnv = deps.env.VALHEIM_SERVER_PASSWORD?.trim();
  if (fromEnv && generate) {
    throw new CliError(
      '--generate-password and VALHEIM_SERVER_PASSWORD contradict each other',
      'unset VALHEIM_SERVER_PASSWORD or drop --generate-password',
    );
  }
  if (generate) return { generate: true };
  if (fromEnv) {
    const problem = passwordProblem(fromEnv, serverName);
    if (problem) throw new CliError(`VALHEIM_SERVER_PASSWORD: ${problem.problem}`, problem.fix);
    if (interactive) deps.term.err('  Using the server password from VALHEIM_SERVER_PASSWORD.');
    return { generate: false, password: fromEnv };
  }
  if (!interactive) {
    if (keepable) return { keep: true };
    throw new CliError(
      'VALHEIM_SERVER_PASSWORD is not set and --generate-password was not given (one is required with --non-interactive)',
      `set VALHEIM_SERVER_PASSWORD (at least ${MIN_PASSWORD_LENGTH} characters, not part of the server name) or pass --generate-password`,
    );
  }
  const hint = keepable ? KEPT_PASSWORD_HINT : PASSWORD_HINT;
  deps.term.err(`  ${hint}`);
  for (;;) {
    const password = (await deps.promptHidden('Server password (input hidden): ')).trim();
    if (password === '') return keepable ? { keep: true } : { generate: true };
    const problem = passwordProblem(password, serverName);
    if (problem) {
      reask(deps.term, problem.problem, hint);
      continue;
    }
    const again = (await deps.promptHidden('Repeat the server password: ')).trim();
    if (again === password) return { generate: false, password };
    reask(deps.term, 'the two passwords differ', hint);
  }
}

/** Stores what the wizard collected in SSM, through `valheim secrets set`'s code. */
export async function storeSecrets(
  file: string,
  botToken: string | undefined,
  password: PasswordChoice,
  configFlag: string,
  deps: SetupDeps,
): Promise<void> {
  const keepPassword = 'keep' in password;
  if (botToken === undefined && keepPassword) {
    deps.term.out('Kept the bot token and the server password stored in SSM.');
    return;
  }
  try {
    await setSecrets(
      {
        config: file,
        ...(!keepPassword && { generatePassword: password.generate }),
        ...(botToken === undefined && { only: 'server-password' as const }),
        ...(keepPassword && { only: 'bot-token' as const }),
      },
      {
        env: {
          ...(botToken !== undefined && { VALHEIM_BOT_TOKEN: botToken }),
          ...(!keepPassword && !password.generate && { VALHEIM_SERVER_PASSWORD: password.password }),
        },
        term: deps.term,
        ssm: deps.ssm,
        interactive: false,
        readStdin: () => Promise.reject(new Error('setup passes the secrets directly')),
        promptHidden: () => Promise.reject(new Error('setup passes the secrets directly')),
        ...(deps.randomInt && { randomInt: deps.randomInt }),
      },
    );
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      error.problem,
      `${error.fix}; ${file} is written already, so afterwards run only npx valheim secrets set${configFlag}`,
    );
  }
}
