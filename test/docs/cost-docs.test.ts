import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_HOURS_PER_MONTH } from '../../src/cli/commands/cost.js';
import { EXAMPLE_CONFIG_FILE, loadConfig } from '../../src/config/load.js';
import { estimateCost, INSTALL_CACHE_GB, money } from '../../src/cost/estimate.js';
import { type CacheStorageClass, installCacheMonthly } from '../../src/cost/install-cache-cost.js';
import { regionPrices } from '../../src/cost/prices.js';
import { FULL_DOWNLOAD_START_SECONDS, TYPICAL_START_SECONDS } from '../../src/server/start-budget.js';

const costDoc = readFileSync('docs/cost.md', 'utf8');
const startDoc = readFileSync('docs/start-time.md', 'utf8');
const example = loadConfig(EXAMPLE_CONFIG_FILE);

describe('docs/cost.md', () => {
  it('quotes the estimate for every "after" figure', () => {
    const idle = estimateCost(example, { hoursPerMonth: 0 });
    const line = (prefix: string) =>
      money(idle.idle.filter((l) => l.item.startsWith(prefix)).reduce((sum, l) => sum + l.monthly, 0));
    expect(costDoc).toContain(`| EFS: the world and the image's start zip | $0.090 | ${line('EFS')} |`);
    expect(costDoc).toContain(`| AWS Backup | $0.023 | ${line('AWS Backup')} |`);
    expect(costDoc).toContain(
      `| S3 snapshots kept (Glacier Instant Retrieval) | $0.016 | ${line('S3 snapshots')} |`,
    );
    expect(costDoc).toContain(`| S3 install cache | $0.030 | ${line('S3 install cache')} |`);
    expect(costDoc).toContain(
      `| **idle month, eu-central-1** | **$0.158** | **${money(idle.totalMonthly)}** |`,
    );
    const us = { ...example, region: 'us-east-1' };
    expect(costDoc).toContain(
      `| idle month, us-east-1 | $0.158 | ${money(estimateCost(us, { hoursPerMonth: 0 }).totalMonthly)} |`,
    );
    expect(costDoc).toContain(
      `| 40 hours a month, eu-central-1 | $5.77 | ${money(estimateCost(example, { hoursPerMonth: 40 }).totalMonthly)} |`,
    );
    expect(costDoc).toContain(
      `| 40 hours a month, us-east-1 | $5.07 | ${money(estimateCost(us, { hoursPerMonth: 40 }).totalMonthly)} |`,
    );
    expect(costDoc).toContain(
      `| ${MAX_HOURS_PER_MONTH} hours (a server never stopped), eu-central-1 | $104.80 | ${money(estimateCost(example, { hoursPerMonth: MAX_HOURS_PER_MONTH }).totalMonthly)} |`,
    );
  });

  it("tabulates the install cache's classes from the same prices", () => {
    const s3 = regionPrices('eu-central-1').s3;
    const classes: CacheStorageClass[] = ['STANDARD', 'STANDARD_IA', 'GLACIER_IR', 'INTELLIGENT_TIERING'];
    for (const starts of [0, 1, 2, 5, 10, 20]) {
      const cells = classes.map((storageClass) =>
        money(installCacheMonthly(storageClass, INSTALL_CACHE_GB, starts, s3)),
      );
      expect(costDoc).toContain(`| ${starts} | ${cells.join(' | ')} |`);
    }
  });

  it('lists the prices the estimate uses', () => {
    const us = regionPrices('us-east-1');
    const eu = regionPrices('eu-central-1');
    expect(costDoc).toContain(
      `| S3 Standard, GB-month | ${us.s3.standardGbMonth} | ${eu.s3.standardGbMonth} |`,
    );
    expect(costDoc).toContain(
      `| S3 Glacier Instant Retrieval, GB-month / retrieval per GB | ${us.s3.glacierIrGbMonth} / ${us.s3.glacierIrRetrievalGb} | ${eu.s3.glacierIrGbMonth} / ${eu.s3.glacierIrRetrievalGb} |`,
    );
    expect(costDoc).toContain(
      `| EFS Infrequent Access, GB-month (legacy throughput modes) | ${us.efs.iaGbMonth} | (us-east-1's) |`,
    );
    expect(eu.pricedAs.efs).toBe('us-east-1');
    expect(costDoc).toContain(
      `| AWS Backup of EFS, warm, GB-month | ${us.backup.efsWarmGbMonth} | (us-east-1's) |`,
    );
  });
});

describe('docs/start-time.md', () => {
  it('totals the budget the README and the bot quote', () => {
    const minutes = Math.floor(TYPICAL_START_SECONDS / 60);
    expect(startDoc).toContain(
      `| **total** | **${FULL_DOWNLOAD_START_SECONDS} (4 min)** | **${TYPICAL_START_SECONDS} (${minutes} min ${TYPICAL_START_SECONDS - minutes * 60} s)** | |`,
    );
  });
});
