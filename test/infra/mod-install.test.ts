import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModsDeployment } from '../../src/mods/deployment.js';
import { LOCKFILE_VERSION, type ModsLock } from '../../src/mods/lockfile.js';
import { modsSupervisorHook } from '../../src/mods/mods-script.js';
import { installPlans, plansVariable } from '../../src/mods/plan.js';
import { decodeModList } from '../../src/records/mod-list.js';
import { exampleConfig, resources, synthesize } from './helpers.js';

const PACK = 'denikson-BepInExPack_Valheim-5.4.2333';
const JOTUNN = 'ValheimModding-Jotunn-2.20.0';
const hash = (n: number) => String(n).repeat(64).slice(0, 64);

const lock: ModsLock = {
  lockfileVersion: LOCKFILE_VERSION,
  packages: {
    [PACK]: {
      sha256: hash(1),
      size: 10,
      url: '',
      dependencies: [],
      side: 'both',
      categories: [],
      deprecated: false,
    },
    [JOTUNN]: {
      sha256: hash(2),
      size: 10,
      url: '',
      dependencies: [PACK],
      side: 'both',
      categories: [],
      deprecated: false,
    },
  },
  sets: {
    default: { requested: [PACK, JOTUNN], packages: [PACK, JOTUNN], bepinexPack: '5.4.2333' },
    worlds: { Hardcore: { requested: [], packages: [] } },
  },
};
const mods: ModsDeployment = { lock, plans: installPlans(lock), lockFile: 'valheim.mods.lock.json' };

type Container = { Name: string; [key: string]: unknown };
function containers(template: Template): Container[] {
  const [definition] = Object.values(resources(template)).filter(
    (r) => r.Type === 'AWS::ECS::TaskDefinition' && JSON.stringify(r).includes('valheim-server'),
  );
  return (definition?.Properties?.ContainerDefinitions ?? []) as Container[];
}
const named = (template: Template, name: string) => containers(template).find((c) => c.Name === name);
function gameSecurityGroupIngress(template: Template): unknown {
  const group = Object.values(resources(template)).find(
    (r) =>
      r.Type === 'AWS::EC2::SecurityGroup' &&
      String(r.Properties?.GroupDescription).startsWith('Valheim game task'),
  );
  return group?.Properties?.SecurityGroupIngress;
}

describe('the game task with mods', () => {
  let template: Template;
  beforeAll(() => {
    template = synthesize(exampleConfig(), { bundling: false, mods }).template;
  });

  it('fetches the active world’s plan before the game starts, with the script as built', () => {
    const fetch = named(template, 'mods-fetch');
    expect(fetch).toMatchObject({
      Essential: false,
      EntryPoint: ['/bin/sh', '-c'],
      MountPoints: [{ ContainerPath: '/opt/valheim', SourceVolume: 'valheim-install', ReadOnly: false }],
    });
    const command = fetch?.Command as string[];
    expect(command[1]).toContain('mods.sh: installs exactly the locked mods');
    expect(command[2]).toBe('/opt/valheim/.mods');
    const env = Object.fromEntries(
      ((fetch?.Environment ?? []) as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    expect(env.MODS_PLANS).toBe(plansVariable(installPlans(lock)));
    expect(env.MODS_PLANS).toMatch(/^\*=[0-9a-f]{64} Hardcore=vanilla$/);
    expect(((fetch?.Secrets ?? []) as { Name: string }[]).map((s) => s.Name)).toEqual(['WORLD_NAME']);
  });

  it('gives the interactions Lambda the locked lists for /valheim mods, inside Lambda’s variable limit', () => {
    const functions = Object.values(resources(template)).filter((r) => r.Type === 'AWS::Lambda::Function');
    const variables = functions.map(
      (f) => (f.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {},
    );
    const withList = variables.filter((v) => v.MODS_LIST !== undefined);
    expect(withList).toHaveLength(1);
    expect(decodeModList(String(withList[0]?.MODS_LIST))).toEqual({
      default: { players: [PACK, JOTUNN], serverOnly: [] },
      worlds: { Hardcore: { players: [], serverOnly: [] } },
      omitted: 0,
    });
    // Lambda's 4 KB are for all of a function's variables (names and values; tokens count as their length).
    expect(JSON.stringify(withList[0]).length).toBeLessThan(4096);
  });

  it('makes the game wait for the fetch and replace the image’s BepInEx updater', () => {
    const game =
      named(template, 'Valheim') ??
      containers(template).find((c) => String(c.Image).includes('valheim-server') && c.Essential === true);
    expect(game?.DependsOn).toEqual(
      expect.arrayContaining([{ ContainerName: 'mods-fetch', Condition: 'COMPLETE' }]),
    );
    const env = Object.fromEntries(
      ((game?.Environment ?? []) as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    expect(env.PRE_SUPERVISOR_HOOK).toBe(modsSupervisorHook());
    // BEPINEX stays off in the template: the hook turns it on unless the world runs vanilla
    expect(env.BEPINEX).toBeUndefined();
  });

  it('lets the task read below mods/ in the world bucket, nothing more', () => {
    const statements = Object.values(resources(template))
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap(
        (r) =>
          (
            (r.Properties?.PolicyDocument ?? { Statement: [] }) as {
              Statement: { Action: unknown; Resource: unknown }[];
            }
          ).Statement,
      );
    const reads = statements.filter((s) => JSON.stringify(s.Resource).includes('/mods/*'));
    expect(reads.map((s) => s.Action)).toEqual(['s3:GetObject']);
  });

  it('keeps UDP 2458 closed unless asked', () => {
    expect(gameSecurityGroupIngress(template)).toEqual([
      expect.objectContaining({ FromPort: 2456, ToPort: 2457 }),
    ]);
  });
});

describe('UDP 2458', () => {
  it('opens for mods.udpPort2458 and for crossplay', () => {
    for (const overrides of [
      { mods: { udpPort2458: true } },
      { server: { ...exampleConfig().server, crossplay: true } },
    ]) {
      const { template } = synthesize(exampleConfig(overrides), { bundling: false });
      expect(gameSecurityGroupIngress(template)).toEqual([
        expect.objectContaining({ FromPort: 2456, ToPort: 2458 }),
      ]);
    }
  });
});

describe('the game task without mods', () => {
  it('has no fetch container and no hook: exactly the vanilla task', () => {
    const { template } = synthesize(exampleConfig(), { bundling: false });
    expect(named(template, 'mods-fetch')).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('PRE_SUPERVISOR_HOOK');
  });
});
