import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// The Node.js versions the project states, and the tools' defaults it decided on: checked against the
// lockfile and the pinned tools themselves, so an update cannot quietly contradict the README.

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

/** The lowest version of each alternative of the engines range, e.g. 20.19.0 and 22.13.0. */
const lowestSupported = packageJson.engines.node
  .split('||')
  .map((range) => semver.minVersion(range.trim())?.version ?? `unparsable: ${range}`);

describe('Node.js versions', () => {
  it('states Node 20.19+ and 22.13+, and the Lambdas run on a version it states', () => {
    expect(lowestSupported).toEqual(['20.19.0', '22.13.0']);
    expect(read('infra/constructs/bundled-function.ts')).toContain('lambda.Runtime.NODEJS_22_X');
    expect(semver.satisfies('22.13.0', packageJson.engines.node)).toBe(true);
  });

  it('keeps every locked package on a release that runs on the lowest version of each stated major', () => {
    // Given every package's own engines.node from the lockfile (an SDK release needing Node 22 lands here)
    const ranges = Object.entries(lock.packages).flatMap(([name, entry]) =>
      name && entry.engines && !Array.isArray(entry.engines) && entry.engines.node
        ? [{ name, range: entry.engines.node }]
        : [],
    );
    // Then
    expect(ranges.length).toBeGreaterThan(100);
    for (const version of lowestSupported) {
      const refusing = ranges.filter(({ range }) => !semver.satisfies(version, range));
      expect(
        refusing.map(({ name, range }) => `${name} needs ${range}`),
        `on Node ${version}`,
      ).toEqual([]);
    }
  });

  it('says the same in the README', () => {
    const readme = read('README.md');
    expect(readme).toContain(`\`engines\` in\n\`package.json\` (\`${packageJson.engines.node}\`)`);
    expect(readme).toContain('Node.js 22.13+');
  });
});

describe('CDK CLI telemetry', () => {
  it('is off in cdk.json, under the key the pinned CLI reads', () => {
    // Given
    const cdkJson = JSON.parse(read('cdk.json')) as { context: Record<string, unknown> };
    const cli = readFileSync(new URL('../../node_modules/aws-cdk/lib/index.js', import.meta.url), 'utf8');
    // Then the project opts out, and the pinned CLI treats that context value as "do not collect"
    expect(cdkJson.context['cli-telemetry']).toBe(false);
    expect(cli).toMatch(
      /function canCollectTelemetry\([^)]*\)\s*\{[^}]*\[\s*"false",\s*false\s*\]\.includes\(context\.get\("cli-telemetry"\)\)/,
    );
  });
});
