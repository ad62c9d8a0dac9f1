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
