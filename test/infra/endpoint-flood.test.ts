import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEndpoint } from '../../infra/constructs/discord-endpoint.js';
import { readInteractionsEnvironment } from '../../src/handlers/environment.js';
import { createInteractionsApp } from '../../src/handlers/interactions-app.js';
import { silentLogger } from '../../src/log.js';
import { type RunningEmulator, startApiGatewayEmulator } from '../support/api-gateway-emulator.js';
import { commandInteraction, GUILD_ID, makeSigningKeys, signedRequest } from '../support/discord-signing.js';
import { FakeGameServer, STOPPED } from '../support/fake-game-server.js';
import { floodWhileSigned } from '../support/junk-flood.js';
import { TokenBucket } from '../support/token-bucket.js';
import { exampleSynthesis } from './helpers.js';

// Discord's route cannot be reached by junk: it carries a secret segment and a throttle of its own, and
// every other path lands on a `$default` route with a small throttle. Modelled with API Gateway's token
// buckets, then flooded on loopback through an emulator built from the construct's own template.

/** A seeded generator (mulberry32), so the model gives the same figures every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Discord's share of its requests that get through in `seconds` of junk at `junkPerSecond` (Poisson
 * arrivals) and a group clicking about once a second (uniformly at random).
 */
function discordThrough(design: 'one route' | 'secret route', junkPerSecond: number, seconds = 120): number {
  const next = random(junkPerSecond);
  const account = new TokenBucket(10_000, 5_000);
  const discord = new TokenBucket(25, 50);
  const junkRoute = design === 'one route' ? discord : new TokenBucket(1, 2);
  const events: Array<{ at: number; junk: boolean }> = [];
  for (let at = 0; at < seconds; at += -Math.log(1 - next()) / junkPerSecond) events.push({ at, junk: true });
  for (let i = 0; i < seconds; i++) events.push({ at: i + next(), junk: false });
  events.sort((a, b) => a.at - b.at);
  let sent = 0;
  let through = 0;
  for (const event of events) {
    const allowed = account.take(event.at) && (event.junk ? junkRoute : discord).take(event.at);
    if (!event.junk) {
      sent++;
      if (allowed) through++;
    }
  }
  return through / sent;
}

describe('a token-bucket model of the stage and route throttles', () => {
  it('shows junk on the one shared route crowding Discord out (the old design)', () => {
    // Then, as found: about half of Discord's interactions at 50 junk/s, a quarter at 100, a tenth at 250
    expect(discordThrough('one route', 50)).toBeLessThan(0.6);
    expect(discordThrough('one route', 100)).toBeLessThan(0.35);
    expect(discordThrough('one route', 250)).toBeLessThan(0.15);
  });

  it('lets every Discord interaction through whatever junk other paths get, up to the account limit', () => {
    for (const junk of [50, 100, 250, 1000, 5000, 9000]) {
      expect(discordThrough('secret route', junk), `${junk} junk/s`).toBe(1);
    }
    // The residual: the account's regional limit (10,000/s) is shared by every API in the account
    expect(discordThrough('secret route', 20_000, 10)).toBeLessThan(1);
  });
});

describe('the secret segment of the route', () => {
  let template: Record<string, unknown>;
  beforeAll(() => {
    template = exampleSynthesis().template.toJSON();
  });

  it('is in no template, output, README or doc: the template only refers to what the deploy made', () => {
    const text = JSON.stringify(template);
    // No 40-hex literal anywhere after /discord/ (asset hashes are 64 characters, elsewhere)
    expect(text).not.toMatch(/discord\/[0-9a-f]{40}/);
    expect(JSON.stringify(template.Outputs)).not.toContain('Segment');
    for (const file of ['README.md', 'docs/ci-cd.md', 'docs/architecture.md']) {
      expect(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')).not.toMatch(
        /discord\/[0-9a-f]{40}/,
      );
    }
  });
});

describe('a junk flood on every other path (loopback, through an API Gateway emulator)', () => {
  const keys = makeSigningKeys();
  const segment = randomBytes(20).toString('hex');
  let emulator: RunningEmulator;

  beforeAll(async () => {
    // Given the stage and routes exactly as the construct synthesizes them (with a known segment)
    const stack = new Stack();
    const handler = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-central-1:1:function:f');
    new DiscordEndpoint(stack, 'Discord', { handler, pathSegment: segment });
    const resources = Object.values(Template.fromStack(stack).toJSON().Resources) as Array<{
      Type: string;
      Properties: Record<string, unknown>;
    }>;
    const routeKeys = resources
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => String(r.Properties.RouteKey));
    const stage = resources.find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')?.Properties as {
      DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
      RouteSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    };
    const limits = (s: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }) => ({
      rate: s.ThrottlingRateLimit,
      burst: s.ThrottlingBurstLimit,
    });
    // And behind it the Lambda's code: the handler for other paths, the app (with a fake game) for Discord's
    const app = createInteractionsApp({
      environment: readInteractionsEnvironment({
        DISCORD_PUBLIC_KEY: keys.publicKeyHex,
        DISCORD_GUILD_ID: GUILD_ID,
        ECS_CLUSTER: 'valheim',
        ECS_SERVICE: 'valheim-server',
      }),
      log: silentLogger,
      backends: { gameServer: async () => new FakeGameServer(STOPPED) },
    });
    const { handler: lambdaHandler } = await import('../../src/handlers/interactions.js');
    emulator = await startApiGatewayEmulator({
      routeKeys,
      defaultRouteSettings: limits(stage.DefaultRouteSettings),
      routeSettings: Object.fromEntries(Object.entries(stage.RouteSettings).map(([k, v]) => [k, limits(v)])),
      integration: async (event: APIGatewayProxyEventV2) => {
        if (event.routeKey === '$default') return lambdaHandler(event);
        return app({ headers: event.headers ?? {}, body: Buffer.from(event.body ?? '', 'base64') });
      },
    });
  });
  afterAll(() => emulator.close());

  const signed = () => ({
    ...signedRequest(keys, JSON.stringify(commandInteraction({ subcommand: 'status' }))),
    ok: (status: number, body: string) => status === 200 && body.includes('Stopped'),
  });
  const otherPaths = () => {
    const paths = [
      'discord',
      `discord/${randomBytes(20).toString('hex')}`,
      '',
      'admin',
      `x/${randomBytes(4).toString('hex')}`,
    ];
    return `${emulator.url}${paths[Math.floor(Math.random() * paths.length)]}`;
  };

  it('answers 100 % of signed requests while junk floods the API’s address on every other path', async () => {
    // When 1,500 junk requests, 16 at a time, hit other paths while signed /valheim status go 50 a second
    const result = await floodWhileSigned({
      url: `${emulator.url}discord/${segment}`,
      junkUrl: otherPaths,
      junkRequests: 1500,
      maxSeconds: 8,
      junkConcurrency: 16,
      signedEveryMs: 20,
      // A quiet machine sends the 1,500 in a fraction of a second: the junk goes on until 20 signed went out
      minSignedRequests: 20,
      signed,
    });
    // Then every signed request got its real answer; junk got 404 (the catch-all) or 429 (its throttle)
    expect(result.signedSent).toBeGreaterThan(10);
    expect(result.signedAnswered).toBe(result.signedSent);
    expect(result.junkSent).toBeGreaterThan(0);
    expect(Object.keys(result.junkStatuses).sort()).toEqual(
      ['404', '429'].filter((s) => s in result.junkStatuses),
    );
    expect(result.junkStatuses[429]).toBeGreaterThan(result.junkSent / 2);
    expect(emulator.counts.get('$default')?.received).toBe(result.junkSent);
  });

  it('does crowd Discord out when the junk knows the secret path (so the throttle is real)', async () => {
    // When the same junk goes to Discord's own route
    const result = await floodWhileSigned({
      url: `${emulator.url}discord/${segment}`,
      junkRequests: 1500,
      maxSeconds: 8,
      junkConcurrency: 16,
      signedEveryMs: 50,
      signed,
    });
    // Then signed requests are throttled with it
    expect(result.signedAnswered).toBeLessThan(result.signedSent);
  });
});
