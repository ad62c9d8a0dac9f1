import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { estimateCost, formatEstimate } from '../../src/cost/estimate.js';
import { fargatePrices, hourlyServerCost } from '../../src/cost/prices.js';

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

  it('estimates a month of the defaults: 40 hours of play', () => {
    const estimate = estimateCost(config(), { hoursPerMonth: 40 });
    // snapshots, one per 3-hour session (every 4 h adds none): task (0.5 × 0.04048 + 1 × 0.004445) × 0.8
    // + 0.005 IPv4 = 0.024748 $/h × 3 min = 0.0012374, + a week in Standard 0.2 × 0.023 × 7/30 = 0.00107333
    // → 0.00231073 per snapshot, 0.00077024 per hour of play
    // per hour: 0.11652 compute + 0.005 IPv4 + 0.0001 GB × 0.5 logs + 0.00077024 = 0.12234024
    expect(estimate.perHour).toBeCloseTo(0.12234024, 7);
    // idle: EFS (0.2 + 1 zip × 0.1 = 0.3 GB) × 0.30 = 0.09; AWS Backup 0.45 GB × 0.05 = 0.0225;
    // Glacier IR: 40/3 snapshots a month × 90 days / 30 = 40 kept (more than keepCount 20) × 0.2 × 0.004 = 0.032;
    // install cache 1.3 GB × 0.023 = 0.0299
    expect(estimate.idleMonthly).toBeCloseTo(0.1744, 6);
    // total: 0.1744 + 40 × 0.12234024 = 5.0680096
    expect(estimate.totalMonthly).toBeCloseTo(5.0680096, 6);
    expect(estimate.notes).toHaveLength(1);
  });

  it('estimates an idle month of the defaults within $0.10 plus the world on EFS', () => {
    // Given no play, When estimated
    const estimate = estimateCost(config(), { hoursPerMonth: 0 });
    // Then: EFS 0.09 + AWS Backup 0.0225 + keepCount 20 snapshots × 0.2 GB in Glacier IR × 0.004 = 0.016
    // + the install cache 1.3 GB × 0.023 = 0.0299
    expect(estimate.idleMonthly).toBeCloseTo(0.1584, 6);
    // which is the world's 0.2 GB × 0.30 = 0.06 plus less than 0.10
    expect(estimate.idleMonthly - 0.2 * 0.3).toBeLessThanOrEqual(0.1);
  });

  it('keeps more snapshots in the estimate when the config keeps more', () => {
    const more = estimateCost(config({ snapshots: { keepCount: 100 } }), { hoursPerMonth: 0 });
    // 100 × 0.2 GB × 0.004 = 0.08 instead of 0.016
    expect(more.idleMonthly).toBeCloseTo(0.1584 - 0.016 + 0.08, 6);
  });

  it('adds the hosted zone when a DNS name is configured, and snapshots when asked', () => {
    const withDns = estimateCost(
      config({
        dns: { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com', recordName: 'valheim.example.com' },
      }),
      { hoursPerMonth: 0, snapshotsGb: 1 },
    );
    // 0.1584 + 0.50 zone + 1 GB × 0.004 (Glacier IR, like every snapshot after a week)
    expect(withDns.idleMonthly).toBeCloseTo(0.6624, 6);
    expect(withDns.totalMonthly).toBeCloseTo(0.6624, 6);
  });

  it('says so when a region has no built-in prices', () => {
    const estimate = estimateCost(config({ region: 'ap-south-1' }), { hoursPerMonth: 10 });
    expect(estimate.pricedAs).toBe('us-east-1');
    expect(estimate.notes[0]).toContain('No built-in Fargate prices for ap-south-1');
  });

  it('formats a readable table with the totals', () => {
    const text = formatEstimate(estimateCost(config({ task: { spot: true } }), { hoursPerMonth: 40 }));
    expect(text).toContain('Spot (typical price)');
    // 0.034956 + 0.005 + 0.00005 + 0.00077024 = 0.04077624 an hour; 0.1744 + 40 × it = 1.8054
    expect(text).toContain('Idle: $0.174 a month · playing: $0.041 an hour');
    expect(text).toMatch(/total: \$1\.81 a month/);
  });
});
