import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { step, worldS3Client } from '../../src/cli/commands/world-common.js';
import type { TransferManifest } from '../../src/worlds/manifest.js';
import { downloadSnapshotWorld, uploadWorld } from '../../src/worlds/snapshots.js';

/*
 * A network that stalls: a loopback "S3" that lists one world file, then sends the first bytes of it and
 * nothing more (or never answers an upload). The world commands' S3 client must give up and say so, and
 * nothing half-copied may stay on disk, also when the user presses Ctrl-C.
 */

const ID = '20261201T090000Z-manual';
const KEY = `snapshots/${ID}/worlds_local/Midgard.fwl`;
const manifest: TransferManifest = {
  version: 1,
  id: ID,
  world: 'Midgard',
  created: '2026-12-01T09:00:00Z',
  reason: 'manual',
  format: 'legacy',
  fileCount: 1,
  totalBytes: 1000,
  worlds: ['Midgard'],
};
const LISTING = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>worlds</Name><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>${KEY}</Key><Size>1000</Size></Contents></ListBucketResult>`;

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  vi.unstubAllEnvs();
});

async function stallingS3(): Promise<string> {
  server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.includes('list-type=2')) {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(LISTING);
    } else if (request.method === 'GET') {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('x'.repeat(10)); // …and then nothing
    }
    // Uploads: never answered.
  });
  const listening = server;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

/** The world commands' own S3 client, pointed at the loopback S3 the way users point it: AWS_ENDPOINT_URL. */
function localClient(endpoint: string, stallMs: number): S3Client {
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  return worldS3Client('eu-central-1', stallMs);
}

describe('world transfers on a stalled network', () => {
  it('a download gives up with a clear message and leaves nothing behind', async () => {
    // Given
    const s3 = await stallingS3().then((endpoint) => localClient(endpoint, 300));
    const parent = mkdtempSync(join(tmpdir(), 'valheim-stall-'));
    // When
    const error = await step('eu-central-1', `download snapshot ${ID}`, 's3:GetObject', () =>
      downloadSnapshotWorld(s3, 'worlds', manifest, parent),
    ).catch((e: unknown) => e);
    // Then
    expect((error as Error).message).toBe(
      `the network stalled (no data for 30 s), so could not download snapshot ${ID} — check your connection and run the command again; nothing half-copied was kept`,
    );
    expect(readdirSync(parent)).toEqual([]);
  });

  it('an upload gives up too', async () => {
    const s3 = await stallingS3().then((endpoint) => localClient(endpoint, 300));
    const dir = mkdtempSync(join(tmpdir(), 'valheim-stall-up-'));
    const file = join(dir, 'Midgard.fwl');
    writeFileSync(file, 'x'.repeat(10));
    const world = {
      name: 'Midgard',
      format: 'legacy' as const,
      files: [{ key: 'Midgard.fwl', path: file, size: 10 }],
      totalBytes: 10,
      others: [],
    };
    await expect(uploadWorld(s3, 'worlds', world, ID, new Date(), () => {})).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('Ctrl-C during a download removes the partial copy', async () => {
    // Given a download that hangs (the stall timeout is far away) in a child process
    const endpoint = await stallingS3();
    const parent = mkdtempSync(join(tmpdir(), 'valheim-sigint-'));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      import { worldS3Client } from ${JSON.stringify(join(root, 'src/cli/commands/world-common.ts'))};
      import { downloadSnapshotWorld } from ${JSON.stringify(join(root, 'src/worlds/snapshots.ts'))};
      const s3 = worldS3Client('eu-central-1', 60000);
      await downloadSnapshotWorld(s3, 'worlds', ${JSON.stringify(manifest)}, ${JSON.stringify(parent)}, (done) => {
        if (done > 0) console.log('downloading');
      });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(readdirSync(parent)).toEqual(['.Midgard-20261201T090000Z-manual.partial']);
    // When the user presses Ctrl-C
    child.kill('SIGINT');
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, s) => resolve(s)),
    );
    // Then the process ends as interrupted, and the partial copy is gone
    expect(signal).toBe('SIGINT');
    expect(readdirSync(parent)).toEqual([]);
  });
});
