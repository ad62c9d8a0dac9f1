import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_CACHE_CONTAINERS, INSTALL_VOLUME } from '../../infra/constructs/index.js';
import { INSTALL_CACHE_KEY, installCacheCommand } from '../../src/server-cache/install-cache.js';
import { TRANSFER_IMAGE } from '../../src/worlds/transfer-script.js';
import { exampleSynthesis, resources } from './helpers.js';

type Container = Record<string, unknown> & { Name: string };

/** The game task's containers by name. */
function gameTaskContainers(template: Template): Record<string, Container> {
  const task = Object.values(resources(template)).find(
    (resource) =>
      resource.Type === 'AWS::ECS::TaskDefinition' &&
      ((resource.Properties?.ContainerDefinitions ?? []) as Container[]).some((c) => c.Name === 'Valheim'),
  );
  const containers = (task?.Properties?.ContainerDefinitions ?? []) as Container[];
  return Object.fromEntries(containers.map((container) => [container.Name, container]));
}

const environment = (container: Container | undefined) =>
  Object.fromEntries(
    ((container?.Environment ?? []) as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]),
  );

describe('ServerInstallCache in the stack', () => {
  let containers: Record<string, Container>;
  beforeAll(() => {
    // Given the example config, synthesized with every check (cdk-nag, CloudFormation schemas)
    containers = gameTaskContainers(exampleSynthesis().template);
  });

  it('restores the install before the game starts, and the game waits for completion, not success', () => {
    // Then fetch → unpack → game, with COMPLETE conditions
    const { fetch, unpack } = INSTALL_CACHE_CONTAINERS;
    expect(containers[unpack]?.DependsOn).toEqual([{ ContainerName: fetch, Condition: 'COMPLETE' }]);
    expect(containers.Valheim?.DependsOn).toContainEqual({ ContainerName: unpack, Condition: 'COMPLETE' });
    // And none of the cache containers can stop the task
    for (const name of Object.values(INSTALL_CACHE_CONTAINERS)) {
      expect(containers[name]?.Essential, name).toBe(false);
    }
  });

  it('refreshes the cache beside the game, after the restore', () => {
    const { unpack, pack, upload } = INSTALL_CACHE_CONTAINERS;
    for (const sidecar of [pack, upload]) {
      expect(containers[sidecar]?.DependsOn).toEqual([{ ContainerName: unpack, Condition: 'COMPLETE' }]);
    }
  });

  it('runs S3 work in the AWS CLI image and tar work in the game image, all sharing the install volume', () => {
    const { fetch, unpack, pack, upload } = INSTALL_CACHE_CONTAINERS;
    const gameImage = containers.Valheim?.Image;
    expect(gameImage).toBe('ghcr.io/community-valheim-tools/valheim-server:1.2.0');
    expect([fetch, upload].map((name) => containers[name]?.Image)).toEqual([TRANSFER_IMAGE, TRANSFER_IMAGE]);
    expect([unpack, pack].map((name) => containers[name]?.Image)).toEqual([gameImage, gameImage]);
    const { entryPoint, command } = installCacheCommand();
    for (const name of [fetch, unpack, pack, upload, 'Valheim']) {
      expect(containers[name]?.MountPoints, name).toContainEqual({
        ContainerPath: '/opt/valheim',
        SourceVolume: INSTALL_VOLUME,
        ReadOnly: false,
      });
    }
    for (const name of [fetch, unpack, pack, upload]) {
      expect(containers[name]).toMatchObject({ EntryPoint: entryPoint, Command: command, StopTimeout: 10 });
    }
  });

  it('tells each container its mode, and only the S3 side the bucket and key', () => {
    const { fetch, unpack, pack, upload } = INSTALL_CACHE_CONTAINERS;
    for (const name of [fetch, upload]) {
      expect(environment(containers[name])).toMatchObject({
        MODE: name.replace('install-cache-', ''),
        CACHE_KEY: INSTALL_CACHE_KEY,
        AWS_DEFAULT_REGION: 'eu-central-1',
      });
      expect(environment(containers[name]).BUCKET).toEqual({ Ref: expect.stringMatching(/^WorldsBucket/) });
    }
    expect(environment(containers[unpack])).toEqual({ MODE: 'unpack' });
    expect(environment(containers[pack])).toEqual({ MODE: 'pack' });
  });

  it('gives fetch and upload the game branch (their tarball) from the parameter the game reads', () => {
    const { fetch, unpack, pack, upload } = INSTALL_CACHE_CONTAINERS;
    const secret = (name: string) =>
      ((containers[name]?.Secrets ?? []) as Array<{ Name: string; ValueFrom: unknown }>).find(
        (s) => s.Name === 'GAME_BRANCH',
      )?.ValueFrom;
    expect(secret(fetch)).toBeDefined();
    expect(secret(fetch)).toEqual(secret('Valheim'));
    expect(secret(upload)).toEqual(secret('Valheim'));
    expect([secret(unpack), secret(pack)]).toEqual([undefined, undefined]);
  });

  it('runs the pre-update copy of the world first, then tells pack the update check is done', () => {
    const hook = String(environment(containers.Valheim).POST_UPDATE_CHECK_HOOK);
    expect(hook.indexOf('pre-update copy')).toBeGreaterThan(-1);
    expect(hook.indexOf('pre-update copy')).toBeLessThan(hook.indexOf('update-checked'));
    expect(String(environment(containers.Valheim).PRE_UPDATE_CHECK_HOOK)).toContain('-beta $vod_branch');
  });

  it('logs to the game log group, where the monitor reads the start phases', () => {
    const game = containers.Valheim?.LogConfiguration as { Options: Record<string, unknown> };
    const fetch = containers[INSTALL_CACHE_CONTAINERS.fetch]?.LogConfiguration as {
      Options: Record<string, unknown>;
    };
    expect(fetch.Options['awslogs-group']).toEqual(game.Options['awslogs-group']);
    expect(fetch.Options['awslogs-stream-prefix']).toBe('install-cache');
  });
});
