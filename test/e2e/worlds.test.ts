import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { APIChatInputApplicationCommandInteraction } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type FakeDiscord, startFakeDiscord } from '../cli/fake-discord.js';
import { fakeApplication } from '../cli/fake-discord-app.js';
import { exampleConfig } from '../infra/helpers.js';
import { type Responder, startA2sResponder } from '../support/a2s-responder.js';
import {
  commandInteraction,
  makeSigningKeys,
  OPERATOR_ROLE,
  type SigningKeys,
  signatureTimestamp,
  signedRequest,
} from '../support/discord-signing.js';
import { idsValheimReads, listFileAfterStart, WRITE_SERVERLIST } from '../support/image-lists.js';
import { type EcsTask, type EcsTasks, startEcsTasks } from './support/ecs-tasks.js';
import { type LambdaFunction, startLambda } from './support/lambda-runtime.js';
import { type Moto, motoEnv, startMoto } from './support/moto.js';
import { awsClientConfig, type DeployedStack, deployToMoto, type Template } from './support/stack.js';

/*
 * Several worlds, end to end: the interactions and monitor bundles `npm run build` emits, with the template's
 * environment, against moto on loopback. A second world is created from Discord and started; the task
 * launched for that start gets its name and arguments the way ECS gives them (the template's container
 * `secrets`, resolved from SSM when the task launches) and the game container's PRE_SERVER_RUN_HOOK, as the
 * template has it, runs in bash on them; a stand-in game then loads or creates the world file it names in a
 * worlds_local folder of its own (Valheim creates a world whose files do not exist). A redeploy runs the
 * stack's parameter creators again. Then stop, switch back, start (queued behind the session-end snapshot),
 * and the list shows both worlds with their hours.
 */

const DIST = join(import.meta.dirname, '../../dist/lambdas');
const NOTICE_CHANNEL = '678901234567890123';
const APPLICATION = '123456789012345678';
const GUILD = '234567890123456789';
const BOT_TOKEN = 'e2e-bot-token';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let moto: Moto;
let stack: DeployedStack;
let discord: FakeDiscord;
let keys: SigningKeys;
let ecsService: EcsTasks;
let game: Responder;
let worldsLocal: string;
const lambdas = new Map<string, LambdaFunction>();
let clock = Date.parse('2026-11-27T18:00:00Z');

const aws = () => awsClientConfig(moto, stack.region);
const fn = (name: string) => {
  const found = lambdas.get(name);
  if (!found) throw new Error(`no function runs the ${name} bundle`);
  return found;
};
async function setClock(at: number) {
  clock = at;
  await Promise.all([...lambdas.values()].map((lambda) => lambda.setClock(at)));
}

/** A signed interaction, as API Gateway hands it to the interactions function. */
async function interact(body: unknown): Promise<string> {
  const signed = signedRequest(keys, JSON.stringify(body), signatureTimestamp(new Date(clock)));
  const headers = Object.fromEntries(
    Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const result = await fn('interactions').invoke<APIGatewayProxyStructuredResultV2>({
    version: '2.0',
    routeKey: 'POST /discord',
    rawPath: '/discord',
    headers: { 'content-type': 'application/json', ...headers },
    body: signed.body,
    isBase64Encoded: false,
  });
  expect(result.statusCode).toBe(200);
  const json = JSON.parse(String(result.body)) as { data?: { content?: string } };
  return json.data?.content ?? '';
}

/** `/valheim world <sub>` with options, shaped like Discord's. */
function world(sub: string, options: Record<string, string> = {}) {
  const interaction = commandInteraction({ roles: [OPERATOR_ROLE] });
  return {
    ...interaction,
    data: {
      ...interaction.data,
      options: [
        {
          type: 2,
          name: 'world',
          options: [
            {
              type: 1,
              name: sub,
              options: Object.entries(options).map(([name, value]) => ({ type: 3, name, value })),
            },
          ],
        },
      ],
    },
  } as unknown as APIChatInputApplicationCommandInteraction;
}
const command = (subcommand: string) => commandInteraction({ subcommand, roles: [OPERATOR_ROLE] });

async function taskEvent(task: EcsTask | undefined = ecsService.gameTask()) {
  if (!task) throw new Error('no task');
  await fn('monitor').invoke(ecsService.event(task));
}

/** The game container of the template's game task definition. */
function gameContainer(template: Template) {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
    const containers = (resource.Properties?.ContainerDefinitions ?? []) as Array<{
      Name: string;
      Essential?: boolean;
      Environment?: Array<{ Name: string; Value: unknown }>;
      Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
    }>;
    const found = containers.find((container) =>
      (container.Environment ?? []).some((variable) => variable.Name === 'PRE_SERVER_RUN_HOOK'),
    );
    if (found) return found;
  }
  throw new Error('no game container in the template');
}

/** The game container's environment as ECS gives it at launch: its variables, and its secrets resolved from SSM. */
async function taskEnvironment(): Promise<Record<string, string>> {
  const container = gameContainer(stack.template);
  const ssm = new SSMClient(aws());
  const environment: Record<string, string> = {};
  for (const variable of container.Environment ?? []) {
    environment[variable.Name] = String(stack.resolve(variable.Value));
  }
  const secrets = (container.Secrets ?? []).filter((secret) => secret.Name !== 'SERVER_PASS');
  const names = secrets.map((secret) =>
    String(stack.resolve(secret.ValueFrom)).replace(/^arn:.*:parameter/, ''),
  );
  const { Parameters = [] } = await ssm.send(new GetParametersCommand({ Names: names }));
  for (const [index, secret] of secrets.entries()) {
    const value = Parameters.find((parameter) => parameter.Name === names[index])?.Value;
    if (value === undefined)
      throw new Error(`ECS cannot resolve the secret ${secret.Name} (${names[index]})`);
    environment[secret.Name] = value;
  }
  return environment;
}

/**
 * What ECS does when it launches the game task: resolves the container's SSM `secrets` at that moment. Then
 * what the image does: its PRE_SERVER_RUN_HOOK (from the template) in the server's shell, and the server's
 * `-world "$WORLD_NAME" … $SERVER_ARGS`. Returns the world and arguments the game runs with.
 */
async function launchGame(): Promise<{ world: string; args: string }> {
  const environment = await taskEnvironment();
  const hook = environment.PRE_SERVER_RUN_HOOK ?? '';
  const output = execFileSync(
    'bash',
    ['-c', `set -eu; ${hook}\nprintf '%s\\n%s' "$WORLD_NAME" "\${SERVER_ARGS:-}"`],
    { env: { PATH: process.env.PATH ?? '', ...environment }, encoding: 'utf8' },
  );
  const [name = '', args = ''] = output.split('\n').slice(-2);
  // The game: loads the world's files, or creates them (with its settings) when they do not exist
  const file = join(worldsLocal, `${name}.db`);
  if (!existsSync(file)) writeFileSync(file, `created ${name} with ${args}\n`);
  return { world: name, args };
}

/** The game saves the world it runs when it stops. */
function saveWorld(name: string) {
  writeFileSync(
    join(worldsLocal, `${name}.db`),
    `${readFileSync(join(worldsLocal, `${name}.db`), 'utf8')}saved at ${new Date(clock).toISOString()}\n`,
  );
}

async function parameters(): Promise<Record<string, string>> {
  const env = fn('interactions') && stack.functions.get('interactions')?.environment;
  const names = [env?.WORLD_NAME_PARAMETER ?? '', env?.WORLD_ARGS_PARAMETER ?? ''];
  const { Parameters = [] } = await new SSMClient(aws()).send(new GetParametersCommand({ Names: names }));
  return Object.fromEntries(
    Parameters.map((parameter) => [parameter.Name?.split('/').pop(), parameter.Value]),
  );
}

/**
 * What CloudFormation does with the stack's Custom::AWS parameter creators when they are created (a first
 * deploy, or a stack deployed again): their SDK call, with the error codes they ignore. Updates call nothing.
 */
async function runParameterCreators(template: Template) {
  const ssm = new SSMClient(aws());
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'Custom::AWS') continue;
    const create = JSON.parse(String(resource.Properties?.Create ?? '{}')) as {
      service: string;
      action: string;
      parameters: { Name: string; Value: string; Type: 'String'; Overwrite: boolean };
      ignoreErrorCodesMatching?: string;
    };
    if (create.service !== 'SSM' || create.action !== 'PutParameter') continue;
    try {
      await ssm.send(new PutParameterCommand(create.parameters));
    } catch (error) {
      if (!new RegExp(create.ignoreErrorCodesMatching ?? '^$').test((error as Error).name)) throw error;
    }
  }
}

/** ECS moves the game task through its phases; the monitor hears each change. */
async function advanceGame(steps: number) {
  for (let step = 0; step < steps; step++) {
    await setClock(clock + 15_000);
    await ecsService.advance();
    await taskEvent();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  keys = makeSigningKeys();
  discord = await startFakeDiscord();
  const app = fakeApplication(discord, {
    applicationId: APPLICATION,
    botToken: BOT_TOKEN,
    verifyKey: keys.publicKeyHex,
  });
  app.guilds.add(GUILD);
  app.channels.set(NOTICE_CHANNEL, { guildId: GUILD, canSend: true });
  let posted = 0;
  discord.reply('POST', `/api/v10/webhooks/${APPLICATION}/interaction-token`, () => ({
    status: 200,
    body: { id: String(980_000_000_000_000_000n + BigInt(posted++)), channel_id: NOTICE_CHANNEL },
  }));
  discord.reply('PATCH', `/api/v10/webhooks/${APPLICATION}/interaction-token/messages/@original`, {
    status: 200,
    body: { id: '970000000000000000', channel_id: NOTICE_CHANNEL },
  });
  discord.reply('POST', `/api/v10/channels/${NOTICE_CHANNEL}/messages`, () => ({
    status: 200,
    body: { id: String(990_000_000_000_000_000n + BigInt(posted++)), channel_id: NOTICE_CHANNEL },
  }));

  const config = exampleConfig({
    discord: {
      applicationId: APPLICATION,
      publicKey: keys.publicKeyHex,
      guildId: GUILD,
      operatorRoleIds: [OPERATOR_ROLE],
      noticeChannelId: NOTICE_CHANNEL,
    },
  });
  stack = await deployToMoto(config, moto);
  await runParameterCreators(stack.template);
  const ssm = new SSMClient(aws());
  const monitorEnv = stack.functions.get('monitor')?.environment ?? {};
  await ssm.send(
    new PutParameterCommand({ Name: monitorEnv.BOT_TOKEN_PARAMETER, Value: BOT_TOKEN, Type: 'SecureString' }),
  );

  const publicIp = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  game = await startA2sResponder(
    { name: 'Vikings', players: [{ name: 'Ragnar', score: 0, duration: 60 }] },
    2457,
    publicIp,
  );
  const cluster = stack.physical(stack.ofType('AWS::ECS::Cluster')[0] ?? '');
  ecsService = await startEcsTasks({
    moto,
    region: stack.region,
    cluster,
    clusterArn: String(stack.resolve({ 'Fn::GetAtt': [stack.ofType('AWS::ECS::Cluster')[0], 'Arn'] })),
    service: monitorEnv.ECS_SERVICE ?? '',
    subnet: (monitorEnv.TRANSFER_SUBNETS ?? '').split(',')[0] ?? '',
    publicIp,
    now: () => clock,
  });
  const loopback = {
    ...motoEnv(moto, stack.region),
    AWS_ENDPOINT_URL_ECS: ecsService.url,
    DISCORD_API_URL: `${discord.apiUrl}/v10`,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const name of ['interactions', 'monitor']) {
    const definition = stack.functions.get(name);
    if (!definition) throw new Error(`the template has no ${name} function`);
    lambdas.set(
      name,
      await startLambda({
        name,
        bundle: join(DIST, name),
        environment: { ...definition.environment, ...loopback },
        timeoutSeconds: definition.timeoutSeconds,
      }),
    );
  }
  await setClock(clock);

  // The first world, as a server that has run it leaves it on EFS
  worldsLocal = mkdtempSync(join(tmpdir(), 'worlds-local-'));
  writeFileSync(join(worldsLocal, 'Dedicated.db'), 'the first world, played for months\n');
}, 180_000);

afterAll(async () => {
  await Promise.all([...lambdas.values()].map((lambda) => lambda.stop()));
  await Promise.all([moto?.stop(), discord?.close(), ecsService?.close(), game?.close()]);
  if (worldsLocal) rmSync(worldsLocal, { recursive: true, force: true });
});

describe('several worlds, with the deployed bundles against moto', () => {
  const showLogs = () =>
    onTestFailed(() => {
      for (const [name, lambda] of lambdas) {
        console.error(`--- ${name} log ---\n${lambda.log.map((line) => JSON.stringify(line)).join('\n')}`);
      }
    });

  it('new world from Discord → start runs it → stop → switch back → start runs the first, untouched → list', async () => {
    showLogs();
    const family = stack.functions.get('monitor')?.environment.TRANSFER_FAMILY ?? '';
    const firstWorldBytes = readFileSync(join(worldsLocal, 'Dedicated.db'), 'utf8');
    expect(await parameters()).toEqual({ name: 'Dedicated', args: '-world Dedicated' });

    // An operator creates a second world with a preset and a modifier: it becomes the next start's
    const created = await interact(
      world('new', { name: 'Season2', preset: 'hardcore', modifiers: 'raids=none' }),
    );
    expect(created).toContain('created the world **Season2**');
    expect(await parameters()).toEqual({
      name: 'Season2',
      args: '-world Season2 -resetmodifiers -preset hardcore -modifier raids none',
    });

    // A deploy in between (the stack's parameter creators run again, with server.world as it was) changes nothing
    await runParameterCreators(stack.template);
    expect((await parameters()).name).toBe('Season2');

    // Start: the reply names the world; the task launched for it runs Season2 with its arguments
    expect(await interact(command('start'))).toContain('🗺️ World: **Season2**');
    await advanceGame(1); // PROVISIONING → PENDING: ECS resolves the secrets and starts the container
    const second = await launchGame();
    expect(second.world).toBe('Season2');
    expect(second.args).toMatch(/-resetmodifiers -preset hardcore -modifier raids none$/);
    await advanceGame(1); // RUNNING
    expect(await interact(commandInteraction({ subcommand: 'status' }))).toContain('🗺️ World: **Season2**');
    // While it runs, a switch is offered as "Stop and switch", and nothing changes
    expect(await interact(world('switch', { name: 'Dedicated' }))).toContain(
      'Stop it and switch to **Dedicated**?',
    );
    expect((await parameters()).name).toBe('Season2');

    // Two hours of play, then a stop: the game saves Season2, ECS stops the task
    await setClock(clock + 2 * HOUR);
    expect(await interact(command('stop'))).toContain('stopped the server');
    saveWorld(second.world);
    await advanceGame(4);
    expect(ecsService.gameTask()?.lastStatus).toBe('STOPPED');
    await setClock(clock + 2 * MINUTE); // past the wait for the shutdown save's log line
    await taskEvent();
    // The session-end snapshot runs, naming the world that ran
    const [snapshot] = ecsService.running(family);
    expect(snapshot && ecsService.environment(snapshot)).toMatchObject({
      MODE: 'snapshot',
      WORLD_NAME: 'Season2',
    });
    expect(readFileSync(join(worldsLocal, 'Dedicated.db'), 'utf8')).toBe(firstWorldBytes);

    // Switch back while stopped, and start at once: queued behind the snapshot, not refused
    expect(await interact(world('switch', { name: 'Dedicated' }))).toContain('switched to **Dedicated**');
    expect(await parameters()).toEqual({ name: 'Dedicated', args: '-world Dedicated' });
    const queued = await interact(command('start'));
    expect(queued).toContain('starts as soon as that is done');
    expect(ecsService.desiredCount()).toBe(0);
    // The snapshot task ends: the monitor makes the queued start
    await setClock(clock + MINUTE);
    if (!snapshot) throw new Error('no snapshot task');
    ecsService.finish(snapshot, 0);
    await taskEvent(snapshot);
    expect(ecsService.desiredCount()).toBe(1);

    // The task launched runs the first world, whose files are as they were
    await advanceGame(1);
    const first = await launchGame();
    // (the config's own server arguments only: the first world has no settings of its own)
    const configArgs = gameContainer(stack.template).Environment?.find(
      (v) => v.Name === 'SERVER_ARGS',
    )?.Value;
    expect(first).toEqual({ world: 'Dedicated', args: configArgs });
    expect(readFileSync(join(worldsLocal, 'Dedicated.db'), 'utf8')).toBe(firstWorldBytes);
    await advanceGame(1);
    await setClock(clock + HOUR);
    await interact(command('stop'));
    saveWorld(first.world);
    await advanceGame(4);
    await setClock(clock + 2 * MINUTE);
    await taskEvent();

    // The list shows both, with the hours each was played
    const list = (await interact(world('list'))).split('\n');
    expect(list.find((line) => line.includes('**Dedicated**'))).toMatch(
      /^▶ \*\*Dedicated\*\*.* 1\.\d h in 1 session/,
    );
    expect(list.find((line) => line.includes('**Season2**'))).toMatch(
      /preset hardcore.* 2\.\d h in 1 session/,
    );
    // Each world's file holds only its own sessions
    expect(readFileSync(join(worldsLocal, 'Season2.db'), 'utf8')).toMatch(
      /^created Season2 with .*\nsaved at /,
    );
    expect(fn('monitor').log.filter((line) => line.level === 'ERROR')).toEqual([]);
    expect(fn('interactions').log.filter((line) => line.level === 'ERROR')).toEqual([]);
  });

  it('admin, ban and permitted lists: from Discord to the task at its next start, concurrent edits kept', async () => {
    showLogs();
    const STEAM = '76561198000000001';
    const XBOX = 'Xbox_2535400000000003';
    const access = (sub: string, options: Record<string, string> = {}) => {
      const interaction = world(sub, options);
      const group = interaction.data.options?.[0] as { name: string };
      group.name = 'access';
      return interaction;
    };
    // The stack created the three parameters: the task launches with every list empty
    let environment = await taskEnvironment();
    expect([environment.ADMINLIST_IDS, environment.BANNEDLIST_IDS, environment.PERMITTEDLIST_IDS]).toEqual([
      ' ',
      ' ',
      ' ',
    ]);

    // Two operators ban two players at the same moment, and an admin is added
    const [first, second] = await Promise.all([
      interact(access('add', { list: 'bans', id: STEAM })),
      interact(access('add', { list: 'bans', id: XBOX })),
    ]);
    expect([first, second].join('\n')).toMatch(/Added `76561198000000001` to the banned list/);
    expect([first, second].join('\n')).toMatch(/Added `Xbox_2535400000000003` to the banned list/);
    expect(await interact(access('add', { list: 'admins', id: 'steam_76561198000000002' }))).toContain(
      'Added',
    );
    expect(await interact(access('add', { list: 'admins', id: '42' }))).toMatch(
      /Nothing changed: "42" is not a SteamID64/,
    );

    // A deploy in between changes nothing
    await runParameterCreators(stack.template);
    environment = await taskEnvironment();
    expect(new Set(environment.BANNEDLIST_IDS?.split(' '))).toEqual(new Set([STEAM, XBOX]));
    expect(
      idsValheimReads(listFileAfterStart(WRITE_SERVERLIST, 'admin', environment.ADMINLIST_IDS ?? '', '')),
    ).toEqual(['Steam_76561198000000002']);

    // The last admin removed: the next start clears the admin list the previous one wrote
    await interact(access('remove', { list: 'admins', id: 'Steam_76561198000000002' }));
    environment = await taskEnvironment();
    const written = `// List admin players ID  ONE per line\nSteam_76561198000000002\n`;
    expect(
      idsValheimReads(
        listFileAfterStart(WRITE_SERVERLIST, 'admin', environment.ADMINLIST_IDS ?? '', written),
      ),
    ).toEqual([]);
    expect(await interact(access('list', { list: 'bans' }))).toContain(`• \`${STEAM}\``);
    expect(fn('interactions').log.filter((line) => line.level === 'ERROR')).toEqual([]);
  });
});
