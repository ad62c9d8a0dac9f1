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

  it('documents every slash subcommand', () => {
    for (const name of Object.keys(SUBCOMMANDS)) {
      expect(readme, `/${COMMAND_NAME} ${name}`).toContain(`\`/${COMMAND_NAME} ${name}\``);
    }
  });
});
