import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

// What runs in CI is pinned: Actions by commit SHA (a moved tag cannot change the code that gets the deploy
// role), the GitLab job image by digest. The version stays in a comment / the tag for reading.

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('pinning', () => {
  it('pins every GitHub Action to a full commit SHA, with its release in a comment', () => {
    // Given
    const uses = ['.github/workflows/ci.yml', '.github/workflows/deploy.yml'].flatMap((file) =>
      [...read(file).matchAll(/^\s*-?\s*uses:\s*(.+)$/gm)].map((match) => (match[1] ?? '').trim()),
    );
    // Then
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((use) => !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(use))).toEqual([]);
  });

  it('pins every GitLab job image to a digest, with its tag', () => {
    // Given
    const images = [...read('.gitlab-ci.yml').matchAll(/^\s*image:\s*(\S+)\s*$/gm)].map((match) => match[1]);
    // Then
    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((image) => !/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/.test(image ?? ''))).toEqual([]);
  });

  it('accepts the game image as a release pinned to its digest, and refuses a pinned release that is too old', () => {
    // Given
    const example = JSON.parse(read('valheim.config.example.json'));
    const withTag = (imageTag: string) => ({ ...example, server: { ...example.server, imageTag } });
    const digest = `sha256:${'a'.repeat(64)}`;
    // When / Then
    expect(parseConfig(withTag(`1.2.0@${digest}`), 'test').server.imageTag).toBe(`1.2.0@${digest}`);
    expect(() => parseConfig(withTag(`1.1.0@${digest}`), 'valheim.config.json')).toThrow(/server\.imageTag/);
    expect(() => parseConfig(withTag('1.2.0@sha256:short'), 'valheim.config.json')).toThrow(
      /server\.imageTag/,
    );
  });

  it('keeps .env files (AWS profiles, tokens) out of git, but not an example', () => {
    // When
    const ignored = (file: string) =>
      spawnSync('git', ['check-ignore', '-q', file], {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
      }).status;
    // Then (0: ignored, 1: not ignored)
    expect(ignored('.env')).toBe(0);
    expect(ignored('.env.local')).toBe(0);
    expect(ignored('.env.example')).toBe(1);
  });
});

describe('.gitlab-ci.yml', () => {
  it('gets AWS credentials from an OIDC ID token only: no long-lived keys', () => {
    // Given the pipeline as committed (test/ci/gitlab-ci.test.ts runs it: npm run test:pipelines)
    const pipelineSource = read('.gitlab-ci.yml');
    // Then
    expect(pipelineSource).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws_access_key/i);
    expect(pipelineSource).toMatch(/id_tokens:\n\s+AWS_ID_TOKEN:\n\s+aud: sts\.amazonaws\.com\n/);
  });
});
