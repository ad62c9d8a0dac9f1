import { describe, expect, it } from 'vitest';
import { regionPrices } from '../../src/cost/prices.js';
import {
  footprintOfFiles,
  footprintOfSize,
  IA_MINIMUM_BYTES,
  largeFileShare,
} from '../../src/cost/world-footprint.js';
import { worldStorageCost } from '../../src/cost/world-storage-cost.js';

const snapshots = { everyHours: 4, keepCount: 20, keepDays: 60 };
const prices = regionPrices('us-east-1');

describe('one world’s storage (for a server with several worlds)', () => {
  it('costs a world nobody plays its idle lines only, and a played world more', () => {
    // Given two worlds of one server: the one played 40 hours, one left alone
    const played = worldStorageCost(
      { footprint: footprintOfSize(0.2), hoursPerMonth: 40, snapshots, backupRetentionDays: 35 },
      prices,
    );
    const idle = worldStorageCost(
      { footprint: footprintOfSize(0.5), hoursPerMonth: 0, snapshots, backupRetentionDays: 35 },
      prices,
    );
    // Then the idle one costs EFS IA 0.5 × 0.025 + one backup copy 0.5 × 0.05 + 20 snapshots × 0.5 × 0.004
    expect(idle.idleMonthly).toBeCloseTo(0.0125 + 0.025 + 0.04, 9);
    expect(idle.playingMonthly).toBe(0);
    expect(idle.snapshotsKept).toBe(20);
    // And the played one's idle lines are those of its size, its play lines on top (40 snapshots kept)
    expect(played.idleMonthly).toBeCloseTo(0.005 + 0.01 + 0.016, 9);
    expect(played.playingMonthly).toBeGreaterThan(0.1);
    expect(played.snapshotsKept).toBeCloseTo(40, 9);
  });

  it('gives each line an hourly figure even with no play (what the first hour would add)', () => {
    const cost = worldStorageCost(
      { footprint: footprintOfSize(0.2), hoursPerMonth: 0, snapshots, backupRetentionDays: 35 },
      prices,
    );
    const efs = cost.playing.find((line) => line.item.startsWith('World on EFS'));
    // ⅓ start: 2.5 days in Standard (0.055 × 2.5/30) + ⅓ × 0.2 GB × 0.02 read and tiering
    expect(efs?.perHour).toBeCloseTo((0.055 * 2.5) / 30 + (0.2 * 0.02) / 3, 9);
    expect(efs?.monthly).toBe(0);
  });
});

describe('world footprint', () => {
  it('bills small files at 128 KiB in IA, rounds to 4 KiB in Standard and keeps 2 KiB of metadata each', () => {
    const footprint = footprintOfFiles([1, 4096, 4097, 200 * 1024]);
    const gb = 1024 ** 3;
    expect(footprint.files).toBe(4);
    expect(footprint.standardGb * gb).toBe(4096 + 4096 + 8192 + 200 * 1024);
    expect(footprint.iaGb * gb).toBe(3 * IA_MINIMUM_BYTES + 200 * 1024);
    expect(footprint.metadataGb * gb).toBe(4 * 2048);
    // S3 moves only the 200 KiB file to Glacier IR
    expect(footprint.transitionableGb * gb).toBe(200 * 1024);
  });

  it('says what share of the bytes is in files of 128 KiB or more', () => {
    expect(largeFileShare([100 * 1024, 300 * 1024])).toBeCloseTo(0.75, 9);
    expect(largeFileShare([])).toBe(0);
    expect(footprintOfSize(0.3)).toMatchObject({ gb: 0.3, iaGb: 0.3, measured: false });
  });
});
