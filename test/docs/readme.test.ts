import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG_FILE, loadConfig } from '../../src/config/load.js';
import { estimateCost, formatEstimate } from '../../src/cost/estimate.js';
import { COMMAND_NAME, SUBCOMMANDS } from '../../src/discord/commands.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('quotes the cost estimate the CLI prints for the defaults (40 hours, us-east-1)', () => {
    // Given the example config in us-east-1, When the estimate is formatted as `valheim cost estimate` does,
    // Then the README shows exactly that text, so the quoted figures cannot drift from the price table.
    const config = { ...loadConfig(EXAMPLE_CONFIG_FILE), region: 'us-east-1' };
    const text = formatEstimate(estimateCost(config, { hoursPerMonth: 40 }));
    expect(readme).toContain(`\`\`\`\n${text}\n\`\`\``);
  });

  it('quotes the idle month too, and the example config stays within $0.10 plus the world on EFS', () => {
    // Given the example config, When estimated for a month without play
    const config = loadConfig(EXAMPLE_CONFIG_FILE);
    const idle = estimateCost(config, { hoursPerMonth: 0 });
    // Then its own region (eu-central-1) costs at most 0.10 + the 0.2 GB world × 0.30
    expect(idle.totalMonthly).toBeLessThanOrEqual(0.1 + 0.2 * 0.3);
    // And the README quotes the us-east-1 idle estimate exactly
    const text = formatEstimate(estimateCost({ ...config, region: 'us-east-1' }, { hoursPerMonth: 0 }));
    expect(readme).toContain(`\`\`\`\n${text}\n\`\`\``);
  });

  it('documents every slash subcommand', () => {
    for (const name of Object.keys(SUBCOMMANDS)) {
      expect(readme, `/${COMMAND_NAME} ${name}`).toContain(`\`/${COMMAND_NAME} ${name}\``);
    }
  });
});
