import { beforeAll, describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/cost/estimate.js';
import {
  EFS_TRANSITION_TO_IA,
  EFS_TRANSITION_TO_PRIMARY,
  IMAGE_BACKUPS_KEPT,
  INSTALL_CACHE_STORAGE_CLASS,
  VALHEIM_AUTO_BACKUPS,
} from '../../src/cost/storage-plan.js';
import { WORLD_PREFETCH_CONTAINER } from '../../src/server/world-prefetch.js';
import { INSTALL_CACHE_PREFIX } from '../../src/server-cache/install-cache.js';
import { SNAPSHOT_COLD_AFTER_DAYS } from '../../src/worlds/snapshot-policy.js';
import { SNAPSHOTS } from '../../src/worlds/snapshots.js';
import { exampleConfig, exampleSynthesis, findOne, type Synthesized } from './helpers.js';

/**
 * The cost estimate prices storage classes and lifecycle rules; these tests read them back from the template
 * that the example config synthesizes, so that the idle figure the README quotes is the one AWS will bill.
 */
const config = exampleConfig();
let synthesized: Synthesized;
beforeAll(() => {
  synthesized = exampleSynthesis();
});

interface Container {
  Name: string;
  Essential?: boolean;
  Environment?: Array<{ Name: string; Value: string }>;
  Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
  DependsOn?: Array<{ ContainerName: string; Condition: string }>;
  MountPoints?: Array<{ ContainerPath: string; ReadOnly: boolean }>;
}

function gameTaskContainers(): Container[] {
  const task = findOne(synthesized.template, 'AWS::ECS::TaskDefinition', (properties) =>
    JSON.stringify(properties.ContainerDefinitions).includes('valheim-server'),
  );
  return task.properties.ContainerDefinitions as Container[];
}

function bucketRules(): Array<Record<string, unknown>> {
  const bucket = findOne(synthesized.template, 'AWS::S3::Bucket');
  return (bucket.properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
}

describe('the storage the estimate prices is the storage the template creates', () => {
  it('moves the world to EFS Infrequent Access after the days the estimate assumes, and back on a read', () => {
    const fileSystem = findOne(synthesized.template, 'AWS::EFS::FileSystem');
    expect(fileSystem.properties.LifecyclePolicies).toEqual([
      { TransitionToIA: EFS_TRANSITION_TO_IA },
      { TransitionToPrimaryStorageClass: EFS_TRANSITION_TO_PRIMARY },
    ]);
    // Bursting: IA's read and tiering charges are the only per-GB charges the estimate counts on EFS.
    expect(fileSystem.properties.ThroughputMode).toBe('bursting');
  });

  it('keeps the install cache in the class the estimate prices, from its first night', () => {
    const rule = bucketRules().find((candidate) => candidate.Prefix === `${INSTALL_CACHE_PREFIX}/`);
    expect(rule?.Transitions).toEqual([{ StorageClass: INSTALL_CACHE_STORAGE_CLASS, TransitionInDays: 0 }]);
    expect(INSTALL_CACHE_STORAGE_CLASS).toBe('INTELLIGENT_TIERING');
  });

  it('moves snapshots to Glacier Instant Retrieval after the days the estimate keeps them in Standard', () => {
    const rule = bucketRules().find((candidate) => candidate.Prefix === `${SNAPSHOTS}/`);
    expect(rule?.Transitions).toEqual([
      { StorageClass: 'GLACIER_IR', TransitionInDays: SNAPSHOT_COLD_AFTER_DAYS },
    ]);
  });

  it('keeps AWS Backup recovery points as long as the estimate counts them', () => {
    const plan = findOne(synthesized.template, 'AWS::Backup::BackupPlan');
    const rules = (plan.properties.BackupPlan as { BackupPlanRule: Array<Record<string, unknown>> })
      .BackupPlanRule;
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Lifecycle).toEqual({ DeleteAfterDays: config.backup.retentionDays });
  });

  it('keeps no copies of the world on EFS beside it: no image zips, no Valheim rolling backups', () => {
    const game = gameTaskContainers().find((container) => container.Essential === true);
    const environment = Object.fromEntries(
      (game?.Environment ?? []).map((entry) => [entry.Name, entry.Value]),
    );
    expect(IMAGE_BACKUPS_KEPT).toBe(0);
    expect(environment.BACKUPS).toBe('false');
    expect(environment.SERVER_ARGS?.split(' ').slice(0, 2)).toEqual([
      '-backups',
      String(VALHEIM_AUTO_BACKUPS),
    ]);
  });

  it('reads the world back from IA in parallel before the game loads it, without ever holding the game up', () => {
    const containers = gameTaskContainers();
    const prefetch = containers.find((container) => container.Name === WORLD_PREFETCH_CONTAINER);
    expect(prefetch).toMatchObject({
      Essential: false,
      MountPoints: [{ ContainerPath: '/config', ReadOnly: true, SourceVolume: 'world' }],
    });
    const game = containers.find((container) => container.Essential === true);
    expect(game?.DependsOn).toContainEqual({
      ContainerName: WORLD_PREFETCH_CONTAINER,
      Condition: 'COMPLETE',
    });
    // And it reads the world the next start runs (the active-world parameter), not the one of the last deploy
    const worldOf = (container: Container | undefined) =>
      container?.Secrets?.find((secret) => secret.Name === 'WORLD_NAME')?.ValueFrom;
    expect(worldOf(prefetch)).toBeDefined();
    expect(worldOf(prefetch)).toEqual(worldOf(game));
    expect(prefetch?.Environment?.some((variable) => variable.Name === 'WORLD_NAME')).not.toBe(true);
  });
});

describe('the figures the issue promised', () => {
  it('idles at a nickel a month or less with the example config and a 0.2 GB world', () => {
    const idle = estimateCost(config, { hoursPerMonth: 0, worldSizeGb: 0.2 });
    expect(config.region).toBe('eu-central-1');
    expect(idle.totalMonthly).toBeLessThanOrEqual(0.05);
  });

  it('costs no more at 40 hours a month than the estimate before this change (4e2eada), retrievals included', () => {
    // The totals main printed before the storage changes: $5.77 in eu-central-1, $5.07 in us-east-1.
    const before = { 'eu-central-1': 5.7692, 'us-east-1': 5.068 };
    for (const [region, total] of Object.entries(before)) {
      const after = estimateCost({ ...config, region }, { hoursPerMonth: 40, worldSizeGb: 0.2 });
      expect(after.totalMonthly, region).toBeLessThanOrEqual(total);
      // And the starts' IA reads and tiering are in it (a line of their own)
      expect(after.playing.some((line) => /IA read/.test(line.item))).toBe(true);
    }
  });
});
