import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { estimateCost, formatEstimate } from '../../src/cost/estimate.js';
import { fargatePrices, hourlyServerCost } from '../../src/cost/prices.js';
import { footprintOfFiles } from '../../src/cost/world-footprint.js';

const base = {
  region: 'us-east-1',
  server: { name: 'Vikings of the North', world: 'Dedicated' },
  discord: { applicationId: '123456789012345678', publicKey: 'ab'.repeat(32), guildId: '234567890123456789' },
};
const config = (extra: Record<string, unknown> = {}) => parseConfig({ ...base, ...extra }, 'test');

describe('price math (hand-checked figures)', () => {
  it('prices the default task (2 vCPU, 8 GiB) on demand in us-east-1', () => {
    // 2 × 0.04048 + 8 × 0.004445 = 0.08096 + 0.03556 = 0.11652 $/h, + 0.005 public IPv4
    const cost = hourlyServerCost(
      { cpu: 2048, memoryMiB: 8192, spot: false },
      fargatePrices('us-east-1').fargate,
    );
    expect(cost.compute).toBeCloseTo(0.11652, 6);
    expect(cost.total).toBeCloseTo(0.12152, 6);
  });

  it('prices Spot at ~30 % of on-demand', () => {
    // 0.11652 × 0.3 = 0.034956
    const cost = hourlyServerCost(
      { cpu: 2048, memoryMiB: 8192, spot: true },
      fargatePrices('us-east-1').fargate,
    );
    expect(cost.compute).toBeCloseTo(0.034956, 6);
  });

  it('uses Frankfurt prices there', () => {
    // 4 × 0.04656 + 16 × 0.00511 = 0.18624 + 0.08176 = 0.268
    const cost = hourlyServerCost(
      { cpu: 4096, memoryMiB: 16384, spot: false },
      fargatePrices('eu-central-1').fargate,
    );
    expect(cost.compute).toBeCloseTo(0.268, 6);
  });

  it('estimates an idle month of the defaults: storage only, a nickel or less', () => {
    // Given no play, When estimated
    const estimate = estimateCost(config(), { hoursPerMonth: 0 });
    // Then: EFS 0.2 GB in IA × 0.025 = 0.005; AWS Backup one copy 0.2 × 0.05 = 0.01;
    // keepCount 20 snapshots × 0.2 GB in Glacier IR × 0.004 = 0.016;
    // install cache 1.3 GB in Intelligent-Tiering's archive instant tier × 0.004 = 0.0052 (+ 0.0000025 monitoring)
    expect(estimate.idleMonthly).toBeCloseTo(0.0362025, 7);
    expect(estimate.totalMonthly).toBe(estimate.idleMonthly);
    expect(estimate.idleMonthly).toBeLessThanOrEqual(0.05);
  });

  it('estimates a month of the defaults: 40 hours of play, 13⅓ starts', () => {
    const estimate = estimateCost(config(), { hoursPerMonth: 40 });
    // compute 0.11652 × 40 = 4.6608; IPv4 0.2; logs 0.0001 GB × 0.5 × 40 = 0.002
    // snapshots, one per 3-hour session: task (0.5 × 0.04048 + 1 × 0.004445) × 0.8 + 0.005 = 0.024748 $/h × 3 min
    //   = 0.0012374, + a day in Standard 0.2 × 0.023 / 30 = 0.00015333 → 0.00139073 × 13.333 = 0.01854311
    // EFS: a start every 2¼ days keeps the world in Standard all month (7 days unread before IA), no IA reads:
    //   0.2 × (0.30 − 0.025) = 0.055
    // history: 13.333 × 90 / 30 = 40 kept, 20 beyond keepCount × 0.2 × 0.004 = 0.016
    // AWS Backup: 13.333 change sets × 35/30 days kept × 10 % of 0.2 GB × 0.05 = 0.01555556
    // install cache in the frequent tier: 1.3 × (0.023 − 0.004) = 0.0247
    const playing = 4.6608 + 0.2 + 0.002 + 0.01854311 + 0.055 + 0.016 + 0.01555556 + 0.0247;
    expect(estimate.totalMonthly).toBeCloseTo(0.0362025 + playing, 6);
    expect(estimate.perHour).toBeCloseTo(playing / 40, 7);
    // And the idle lines are the idle month's: play never changes them
    expect(estimate.idleMonthly).toBeCloseTo(0.0362025, 7);
  });

  it('counts the IA round trip of every start of a group that plays twice a month', () => {
    // Given 2 sessions, 15 days apart: each leaves the world 7½ days in Standard, then a start reads it from IA
    const estimate = estimateCost(config(), { hoursPerMonth: 6 });
    const efs = estimate.playing.find((line) => line.item.startsWith('World on EFS'));
    // Then: 15 of 30 days in Standard 0.5 × 0.055 = 0.0275, + 2 starts × 0.2 GB × (0.01 read + 0.01 tiering)
    expect(efs?.monthly).toBeCloseTo(0.0275 + 0.008, 7);
    expect(efs?.perHour).toBeCloseTo(0.0355 / 6, 7);
  });

  it('keeps more snapshots in the estimate when the config keeps more', () => {
    const more = estimateCost(config({ snapshots: { keepCount: 100 } }), { hoursPerMonth: 0 });
    // 100 × 0.2 GB × 0.004 = 0.08 instead of 0.016
    expect(more.idleMonthly).toBeCloseTo(0.0362025 - 0.016 + 0.08, 7);
  });

  it('adds the hosted zone when a DNS name is configured, and snapshots when asked', () => {
    const withDns = estimateCost(
      config({
        dns: { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com', recordName: 'valheim.example.com' },
      }),
      { hoursPerMonth: 0, snapshotsGb: 1 },
    );
    // 0.0362025 + 0.50 zone + 1 GB × 0.004 (Glacier IR, like every snapshot after a day)
    expect(withDns.idleMonthly).toBeCloseTo(0.5402025, 7);
    expect(withDns.totalMonthly).toBeCloseTo(0.5402025, 7);
  });

  it('prices Frankfurt with its own Fargate and S3 prices and names the services it prices as us-east-1', () => {
    const estimate = estimateCost(config({ region: 'eu-central-1' }), { hoursPerMonth: 0 });
    // S3: 20 × 0.2 × 0.005 + 1.3 × 0.005 (+ monitoring) instead of 0.004; EFS and AWS Backup as us-east-1
    expect(estimate.idleMonthly).toBeCloseTo(0.005 + 0.01 + 0.02 + 0.0065025, 7);
    expect(estimate.pricedAs).toBe('eu-central-1');
    expect(estimate.pricedElsewhere).toEqual(['EFS', 'AWS Backup', 'CloudWatch Logs']);
    expect(estimate.notes[0]).toBe(
      "EFS, AWS Backup and CloudWatch Logs priced at us-east-1's list prices: none sourced for eu-central-1 yet (often 5–20 % higher; docs/cost.md).",
    );
  });

  it('says so when a region has no built-in prices', () => {
    const estimate = estimateCost(config({ region: 'ap-south-1' }), { hoursPerMonth: 10 });
    expect(estimate.pricedAs).toBe('us-east-1');
    expect(estimate.notes[0]).toContain("No built-in prices for ap-south-1: every figure uses us-east-1's");
  });

  it('says the world files were assumed large unless measured, and prices measured small files as EFS does', () => {
    // Given a world of 1,000 chunk files of 64 KiB (64 MiB), measured
    const world = footprintOfFiles(Array.from({ length: 1000 }, () => 64 * 1024));
    const estimate = estimateCost(config(), { hoursPerMonth: 0, world });
    // Then IA bills each at 128 KiB (0.1220703 GB) plus 2 KiB of metadata each in Standard, and the snapshots,
    // all under 128 KB, stay in S3 Standard
    const gb = 1024 ** 3;
    const efs = estimate.idle.find((line) => line.item.startsWith('EFS'));
    expect(efs?.monthly).toBeCloseTo(((1000 * 128 * 1024) / gb) * 0.025 + ((1000 * 2048) / gb) * 0.3, 9);
    const snapshots = estimate.idle.find((line) => line.item.startsWith('S3 snapshots'));
    expect(snapshots?.monthly).toBeCloseTo(20 * ((1000 * 64 * 1024) / gb) * 0.023, 9);
    expect(estimate.notes.some((note) => note.includes('--world'))).toBe(false);
    // And without measuring, the assumption is stated
    expect(estimateCost(config(), { hoursPerMonth: 0 }).notes[0]).toContain(
      '--world <folder> measures yours',
    );
  });

  it('formats a readable table with the totals', () => {
    const text = formatEstimate(estimateCost(config({ task: { spot: true } }), { hoursPerMonth: 40 }));
    expect(text).toContain('Spot (typical price)');
    // 0.034956 × 40 = 1.39824 instead of 4.6608: total 5.02880121 − 3.26256 = 1.76624121, 0.04324 an hour
    expect(text).toContain('Idle: $0.036 a month · playing: $0.043 an hour');
    expect(text).toMatch(/total: \$1\.77 a month/);
    expect(text).toContain('Always (an idle month: storage, the same however much you play)');
  });
});
