import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ISOLATED_TESTS, PIPELINE_TESTS } from '../../vitest.config.js';
import { mockAwsClient, restoreAwsClientMocks } from '../support/aws-mock.js';
import { importGraph } from '../support/import-graph.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * What a test file may not do when it shares its worker's module cache with the files after it (vitest.config.ts):
 * replace a module, a client class's `send`, the environment or the clock for the rest of the process.
 */
const PROCESS_WIDE = [
  { pattern: /\bvi\.(mock|doMock|resetModules|stubEnv|stubGlobal|useFakeTimers)\(/, what: 'vi.$1' },
  {
    pattern: /\bmockClient\(/,
    what: 'mockClient (stubs the client class for the whole process: use mockAwsClient, test/support/aws-mock.ts)',
  },
  { pattern: /\bprocess\.env(\.\w+|\[[^\]]+\])?\s*=[^=]|delete process\.env/, what: 'writes process.env' },
];

/** What in `source` would leak into the next file of a shared worker. */
function processWideChanges(source: string): string[] {
  return PROCESS_WIDE.flatMap(({ pattern, what }) => {
    const match = pattern.exec(source);
    return match ? [what.replace('$1', match[1] ?? '')] : [];
  });
}

/** The one place that calls mockClient, and restores what it stubbed (test/setup.ts, after every file). */
const AWS_MOCK = 'test/support/aws-mock.ts';

/** The test/ files `file` reaches through its imports, itself included. */
function reachable(graph: ReadonlyMap<string, readonly string[]>, file: string): string[] {
  const seen = new Set<string>([file]);
  for (const current of seen) {
    for (const next of graph.get(current) ?? [])
      if (next.startsWith('test/') && next !== AWS_MOCK) seen.add(next);
  }
  return [...seen];
}

describe('test files that share a worker', () => {
  const graph = importGraph(ROOT, ['test']);
  // This file names the patterns in its examples only.
  const self = 'test/architecture/test-isolation.test.ts';
  const shared = [...graph.keys()].filter(
    (file) =>
      file.endsWith('.test.ts') &&
      file !== self &&
      !file.startsWith('test/e2e/') &&
      !ISOLATED_TESTS.includes(file) &&
      !PIPELINE_TESTS.includes(file),
  );

  it('are most of the suite', () => {
    expect(shared.length).toBeGreaterThan(ISOLATED_TESTS.length);
  });

  it('replace nothing for the files after them (else they belong in ISOLATED_TESTS, vitest.config.ts)', () => {
    // Given every shared file and the helpers it imports / When each is read for process-wide replacements
    const leaking = shared.flatMap((file) =>
      reachable(graph, file).flatMap((source) =>
        processWideChanges(readFileSync(join(ROOT, source), 'utf8')).map(
          (what) => `${file}${source === file ? '' : ` (through ${source})`}: ${what}`,
        ),
      ),
    );
    // Then none does
    expect(leaking).toEqual([]);
  });

  it('names a file that mocks a client, a module, the environment or the clock', () => {
    // Given sources that would leak (the check above would list them)
    expect(processWideChanges('const ecs = mockClient(ECSClient);')).toHaveLength(1);
    expect(processWideChanges("vi.mock('../../src/cli/deploy.js');")).toEqual(['vi.mock']);
    expect(processWideChanges("vi.stubEnv('STATE_TABLE', 'x');")).toEqual(['vi.stubEnv']);
    expect(processWideChanges('vi.useFakeTimers();')).toEqual(['vi.useFakeTimers']);
    expect(processWideChanges("process.env.AWS_REGION = 'eu-central-1';")).toEqual(['writes process.env']);
    expect(processWideChanges('process.env = saved;')).toEqual(['writes process.env']);
    // and leaves reading alone
    expect(processWideChanges("const path = process.env.PATH ?? '';\nif (process.env.X === 'y') {}")).toEqual(
      [],
    );
  });

  it('lists only files that exist and need a fresh worker', () => {
    // Given each listed file and its helpers / Then each does something process-wide (else it can share)
    const needless = ISOLATED_TESTS.filter(
      (file) =>
        !graph.has(file) ||
        reachable(graph, file).every(
          (source) => processWideChanges(readFileSync(join(ROOT, source), 'utf8')).length === 0,
        ),
    );
    expect(needless).toEqual([]);
  });
});

describe('mockAwsClient', () => {
  it('mocks a client class until restoreAwsClientMocks, which test/setup.ts runs after every file', async () => {
    // Given the class's real send, and a client that will talk to nothing (no endpoint answers)
    const realSend = SSMClient.prototype.send;
    const client = new SSMClient({
      region: 'eu-central-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
      maxAttempts: 1,
    });
    // When mocked twice (as a file's module scope and a helper may both do)
    mockAwsClient(SSMClient)
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: 'first' } });
    mockAwsClient(SSMClient)
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: 'mocked' } });
    // Then the mock answers
    expect((await client.send(new GetParameterCommand({ Name: 'x' }))).Parameter?.Value).toBe('mocked');
    // When restored (the end of a file)
    restoreAwsClientMocks();
    // Then the class sends for real again: the next file's client reaches its endpoint (here: nothing listens)
    expect(SSMClient.prototype.send).toBe(realSend);
    await expect(client.send(new GetParameterCommand({ Name: 'x' }))).rejects.toThrow(/ECONNREFUSED/);
  });
});
