import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { exampleConfig, exampleSynthesis, synthesize } from './helpers.js';

const interactionsFunction = { Description: 'Answers the Discord /valheim command and its buttons' };

describe('Discord endpoint limits (flood protection)', () => {
  it('throttles the stage at 25 requests/s (burst 50) and reserves no concurrency by default', () => {
    // Given the example config, which sets no endpoint limits / When synthesized
    const { template } = exampleSynthesis();
    // Then the stage has the default throttle and the function shares the account pool (new accounts have
    // only 10, and Lambda refuses any reservation there)
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ...interactionsFunction,
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('passes configured limits and the reserved concurrency of the interactions Lambda through', () => {
    const { template } = synthesize(
      exampleConfig({ endpoint: { rateLimit: 40, burstLimit: 80, reservedConcurrency: 5 } }),
      { bundling: false },
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ...interactionsFunction,
      ReservedConcurrentExecutions: 5,
    });
  });

  it('refuses a burst below the rate, naming the field', () => {
    const config = { ...exampleConfig(), endpoint: { rateLimit: 30, burstLimit: 10 } };
    expect(() => parseConfig(config, 'valheim.config.json')).toThrow(/endpoint\.burstLimit/);
  });

  it('refuses a reserved concurrency of 0 (it would switch the endpoint off)', () => {
    const config = { ...exampleConfig(), endpoint: { reservedConcurrency: 0 } };
    expect(() => parseConfig(config, 'valheim.config.json')).toThrow(/endpoint\.reservedConcurrency/);
  });
});
