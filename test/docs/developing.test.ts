import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const developing = readFileSync(join(root, 'docs/developing.md'), 'utf8');

function sources(folder: string): string[] {
  return readdirSync(join(root, folder)).flatMap((name) => {
    const path = join(folder, name);
    return statSync(join(root, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('docs/developing.md', () => {
  it('lists every variable that points the code elsewhere, and every VALHEIM_ variable the sources read', () => {
    // Given the variable names the sources and the benchmarks mention: URL overrides and the project's own
    const named = new Set(
      [...sources('src'), ...sources('bench')].flatMap((file) =>
        [
          ...readFileSync(join(root, file), 'utf8').matchAll(
            /\b(VALHEIM_[A-Z0-9_]*[A-Z0-9]_?|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_URL(?:_[A-Z]+)?)\b/g,
          ),
        ].map((match) => match[1] ?? ''),
      ),
    );
    // Constants of the code, not variables (a price, the default registry, the default mod index)
    for (const constant of ['VALHEIM_AUTO_BACKUPS', 'REGISTRY_URL', 'THUNDERSTORE_URL'])
      named.delete(constant);
    // Then each is in the guide (VALHEIM_LOG_FILTER_CONTAINS_ as its <Name> pattern)
    expect(named.size).toBeGreaterThan(5);
    const documented = (name: string) =>
      developing.includes(`\`${name}`) ||
      (name.startsWith('AWS_ENDPOINT_URL_') && developing.includes('`AWS_ENDPOINT_URL_<SERVICE>`'));
    const missing = [...named].filter((name) => !documented(name));
    expect(missing).toEqual([]);
  });
});
