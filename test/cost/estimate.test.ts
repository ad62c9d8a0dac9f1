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
    // per hour: 0.11652 compute + 0.005 IPv4 + 0.02 GB × 0.5 logs = 0.13152
    expect(estimate.perHour).toBeCloseTo(0.13152, 6);
    // idle: EFS (0.2 + 24 × 0.2 × 0.5 = 2.6 GB) × 0.30 = 0.78; backup 0.3 GB × 0.05 = 0.015;
    // install cache 1.3 GB × 0.023 = 0.0299
    expect(estimate.idleMonthly).toBeCloseTo(0.8249, 6);
    // total: 0.8249 + 40 × 0.13152 = 6.0857
    expect(estimate.totalMonthly).toBeCloseTo(6.0857, 6);
    expect(estimate.notes).toHaveLength(1);
  });

  it('adds the hosted zone when a DNS name is configured, and snapshots when asked', () => {
    const withDns = estimateCost(
      config({
        dns: { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com', recordName: 'valheim.example.com' },
      }),
      { hoursPerMonth: 0, snapshotsGb: 1 },
    );
    // 0.8249 + 0.50 zone + 1 GB × 0.023
    expect(withDns.idleMonthly).toBeCloseTo(1.3479, 6);
    expect(withDns.totalMonthly).toBeCloseTo(1.3479, 6);
  });

  it('says so when a region has no built-in prices', () => {
    const estimate = estimateCost(config({ region: 'ap-south-1' }), { hoursPerMonth: 10 });
    expect(estimate.pricedAs).toBe('us-east-1');
    expect(estimate.notes[0]).toContain('No built-in Fargate prices for ap-south-1');
  });

  it('formats a readable table with the totals', () => {
    const text = formatEstimate(estimateCost(config({ task: { spot: true } }), { hoursPerMonth: 40 }));
    expect(text).toContain('Spot (typical price)');
    expect(text).toContain('Idle: $0.825 a month · playing: $0.050 an hour');
    expect(text).toMatch(/total: \$2\.82 a month/);
  });
});
