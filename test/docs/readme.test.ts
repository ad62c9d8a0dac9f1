import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_HOURS_PER_MONTH } from '../../src/cli/commands/cost.js';
import { EXAMPLE_CONFIG_FILE, loadConfig } from '../../src/config/load.js';
import { estimateCost, formatEstimate, money } from '../../src/cost/estimate.js';
import { PRICED_REGIONS } from '../../src/cost/prices.js';
import { worldIdleUsdPerGb } from '../../src/cost/world-idle.js';
import {
  ACCESS_GROUP,
  ACCESS_SUBCOMMANDS,
  COMMAND_NAME,
  SUBCOMMANDS,
  WORLD_GROUP,
  WORLD_SUBCOMMANDS,
} from '../../src/discord/commands.js';
import {
  aboutMinutes,
  FULL_DOWNLOAD_START_SECONDS,
  START_BUDGET,
  TYPICAL_START_SECONDS,
  USUAL_START_TIME,
} from '../../src/server/start-budget.js';

const readme = readFileSync('README.md', 'utf8');
const example = loadConfig(EXAMPLE_CONFIG_FILE);

describe('README', () => {
  it('quotes the cost estimate the CLI prints for the example config, 40 hours and an idle month', () => {
    // Given the example config, When the estimate is formatted as `valheim cost estimate` does,
    // Then the README shows exactly that text, so the quoted figures cannot drift from the price table.
    for (const hoursPerMonth of [40, 0]) {
      const text = formatEstimate(estimateCost(example, { hoursPerMonth }));
      expect(readme).toContain(`\`\`\`\n${text}\n\`\`\``);
    }
  });

  it('idles at a nickel a month or less with the example config', () => {
    expect(estimateCost(example, { hoursPerMonth: 0 }).totalMonthly).toBeLessThanOrEqual(0.05);
  });

  it('tabulates every region with prices of its own, from the same estimate', () => {
    const rows = PRICED_REGIONS.map((region) => {
      const config = { ...example, region };
      const idle = estimateCost(config, { hoursPerMonth: 0 });
      const forty = estimateCost(config, { hoursPerMonth: 40 });
      const always = estimateCost(config, { hoursPerMonth: MAX_HOURS_PER_MONTH });
      return `| ${region} | ${money(idle.totalMonthly)} | ${money(forty.perHour)} | ${money(forty.totalMonthly)} | ${money(always.totalMonthly)} | ${idle.pricedElsewhere.join(', ') || '—'} |`;
    });
    expect(readme).toContain(rows.join('\n'));
  });

  it('says the same figures in prose: idle, an hour of play, a forgotten server, Spot, a start', () => {
    // One source for each number the README says in words (issue 17, item 11)
    const idle = estimateCost(example, { hoursPerMonth: 0 });
    const forty = estimateCost(example, { hoursPerMonth: 40 });
    const forgotten = estimateCost(example, { hoursPerMonth: MAX_HOURS_PER_MONTH });
    const spot = estimateCost({ ...example, task: { ...example.task, spot: true } }, { hoursPerMonth: 40 });
    expect(readme).toContain(`Idle, this stack costs about $${idle.totalMonthly.toFixed(2)} a month`);
    expect(readme).toContain(`playing, about $${forty.perHour.toFixed(2)} an hour`);
    expect(readme).toContain(`and a start takes ${USUAL_START_TIME}.`);
    expect(readme).toContain(
      `A server that nobody can see costs about $${Math.round(forgotten.totalMonthly)} a month (${MAX_HOURS_PER_MONTH} hours in ${example.region})`,
    );
    expect(readme).toContain(`Spot cuts the hourly figure to about $${spot.perHour.toFixed(2)}.`);
    // And no other figure for them is left anywhere in the README
    expect(readme).not.toMatch(/about two minutes|2–4 minutes|\$85 a month/);
  });

  it('times a start with the start budget: the total, each phase, the example reply, the full download', () => {
    expect(readme).toContain(`About **${aboutMinutes(TYPICAL_START_SECONDS)}** from \`/valheim start\``);
    for (const { phase, seconds, what } of START_BUDGET) {
      expect(readme).toContain(`| ${phase} | ~${seconds} | ${what} |`);
    }
    const minutes = Math.floor(TYPICAL_START_SECONDS / 60);
    expect(readme).toContain(`ready in ${minutes} min ${TYPICAL_START_SECONDS - minutes * 60} s`);
    expect(readme).toContain(
      `downloaded and re-hashed the whole game from Steam: about ${aboutMinutes(FULL_DOWNLOAD_START_SECONDS)}.`,
    );
  });

  it('documents every slash subcommand', () => {
    for (const name of Object.keys(SUBCOMMANDS)) {
      expect(readme, `/${COMMAND_NAME} ${name}`).toContain(`\`/${COMMAND_NAME} ${name}\``);
    }
  });

  it('documents every access subcommand and the lists they keep', () => {
    for (const name of Object.keys(ACCESS_SUBCOMMANDS)) {
      expect(readme).toContain(`\`/${COMMAND_NAME} ${ACCESS_GROUP} ${name}\``);
    }
    for (const file of ['adminlist.txt', 'bannedlist.txt', 'permittedlist.txt'])
      expect(readme).toContain(file);
  });

  it('documents every world subcommand, and what each world kept costs with the example config', () => {
    for (const name of Object.keys(WORLD_SUBCOMMANDS)) {
      expect(readme, `/${COMMAND_NAME} ${WORLD_GROUP} ${name}`).toContain(
        `\`/${COMMAND_NAME} ${WORLD_GROUP} ${name}\``,
      );
    }
    const perGb = worldIdleUsdPerGb({
      region: example.region,
      snapshots: example.snapshots,
      backupRetentionDays: example.backup.retentionDays,
    });
    expect(readme).toContain(`about **$${perGb.toFixed(3)} a month per GB** with the example config`);
    expect(readme).toContain(
      `$${(perGb * example.cost.worldSizeGb).toFixed(3)} for a ${example.cost.worldSizeGb} GB world`,
    );
  });

  it('sets up in the order the wizard prints: app, wizard with the invite, bootstrap, deploy, play', () => {
    // Given the set-up section's numbered steps
    const section = readme.slice(readme.indexOf('## Set it up for real'), readme.indexOf('## In Discord'));
    const steps = [...section.matchAll(/^\d\. \*\*(.+?)\*\*/gm)].map((match) => match[1]);
    // Then
    expect(steps).toEqual([
      'Create the Discord application.',
      'Run the set-up wizard, and invite the bot when it asks.',
      'Create the permissions boundary and bootstrap CDK',
      'Deploy.',
      'Play.',
    ]);
    expect(section.indexOf('npx cdk bootstrap')).toBeLessThan(section.indexOf('npm run deploy'));
  });

  it('has the sections for life after the set-up', () => {
    for (const heading of [
      '## Change settings later',
      '## Rotate the password',
      '## Update the game and the image',
      '## Move to another account or region',
      '## Tear it down',
    ])
      expect(readme).toContain(`\n${heading}\n`);
    expect(readme).toContain('npx valheim destroy');
    expect(readme).toContain('npm run destroy');
  });
});
