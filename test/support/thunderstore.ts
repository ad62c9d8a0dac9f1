import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { strToU8, type Zippable, zipSync } from 'fflate';

/**
 * A loopback stand-in for Thunderstore with the shapes of its experimental API: a package
 * (`/api/experimental/package/{ns}/{name}/`: latest, is_deprecated, community_listings), one version
 * (`…/{version}/`: dependencies as `Owner-Name-x.y.z`, download_url), the zip behind download_url
 * (`/package/download/{ns}/{name}/{version}/`, manifest.json at its root), and r2modman's legacyprofile
 * create/get. It counts requests and how many were in flight at once, and answers 429 with a Retry-After when
 * told to, or when a client sends a second request before the first is answered (as Thunderstore does to
 * parallel installs).
 */

export interface FakeVersion {
  readonly dependencies?: readonly string[];
  /** The zip's files besides manifest.json (built for you when absent: a plugin DLL). */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

export interface FakePackage {
  readonly versions: Readonly<Record<string, FakeVersion>>;
  readonly deprecated?: boolean;
  readonly categories?: readonly string[];
}

export interface ThunderstoreFake {
  readonly url: string;
  /** Every request as `METHOD path`, in order. */
  readonly requests: string[];
  /** The most requests that were being answered at the same moment. */
  readonly maxInFlight: () => number;
  /** Answers the next `count` requests with 429 and `Retry-After: seconds`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  /** Changes the zip served for one version (a tampered or re-uploaded file). */
  replaceZip(id: string, bytes: Uint8Array): void;
  /** The zip served for `Owner-Name-1.2.3`. */
  zip(id: string): Uint8Array;
  /** Profiles stored through legacyprofile/create, by code. */
  readonly profiles: Map<string, string>;
  close(): Promise<void>;
}

export interface ThunderstoreFakeOptions {
  /** Answer 429 to a request that arrives while another is in flight. @default true */
  readonly refuseParallel?: boolean;
  /** How long each answer takes (ms), so parallel requests overlap. @default 5 */
  readonly delayMs?: number;
}

const FIXED = new Date('2020-01-01T00:00:00Z');

/** A package zip as Thunderstore serves it: manifest.json at the root, then the package's files. */
export function packageZip(id: string, version: FakeVersion): Uint8Array {
  const [namespace = '', name = '', number = ''] = splitId(id);
  const files: Zippable = {
    'manifest.json': [
      strToU8(
        JSON.stringify({
          name,
          version_number: number,
          website_url: '',
          description: `${name} by ${namespace}`,
          dependencies: version.dependencies ?? [],
        }),
      ),
      { mtime: FIXED },
    ],
    'icon.png': [strToU8('png'), { mtime: FIXED }],
  };
  const content = version.files ?? { [`plugins/${name}.dll`]: `MZ ${id}` };
  for (const [path, data] of Object.entries(content)) {
    files[path] = [typeof data === 'string' ? strToU8(data) : data, { mtime: FIXED }];
  }
  return zipSync(files);
}

/** `Owner-Name-1.2.3` → [Owner, Name, 1.2.3]. */
export function splitId(id: string): [string, string, string] {
  const match = /^(.+?)-(.+)-(\d+\.\d+\.\d+)$/.exec(id);
  if (!match) throw new Error(`not a version id: ${id}`);
  return [match[1] as string, match[2] as string, match[3] as string];
}

function compare(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

export async function startThunderstoreFake(
  catalog: Readonly<Record<string, FakePackage>>,
  options: ThunderstoreFakeOptions = {},
): Promise<ThunderstoreFake> {
  const refuseParallel = options.refuseParallel ?? true;
  const delayMs = options.delayMs ?? 5;
  const requests: string[] = [];
  const profiles = new Map<string, string>();
  const zips = new Map<string, Uint8Array>();
  let inFlight = 0;
  let maxInFlight = 0;
  let limited: { count: number; seconds: number } = { count: 0, seconds: 1 };
  let url = '';

  const find = (namespace: string, name: string) => {
    const key = Object.keys(catalog).find((id) => id.toLowerCase() === `${namespace}-${name}`.toLowerCase());
    return key ? { key, entry: catalog[key] as FakePackage } : undefined;
  };
  const zipOf = (id: string): Uint8Array => {
    let bytes = zips.get(id);
    if (!bytes) {
      const [namespace, name, version] = splitId(id);
      const found = find(namespace, name);
      const spec = found?.entry.versions[version];
      if (!spec) throw new Error(`no ${id} in the fake catalog`);
      bytes = packageZip(id, spec);
      zips.set(id, bytes);
    }
    return bytes;
  };
  const versionJson = (key: string, version: string, spec: FakeVersion) => {
    const [namespace, name] = splitId(`${key}-${version}`);
    return {
      namespace,
      name,
      version_number: version,
      full_name: `${key}-${version}`,
      description: '',
      icon: '',
      dependencies: spec.dependencies ?? [],
      download_url: `${url}/package/download/${namespace}/${name}/${version}/`,
      downloads: 1,
      date_created: FIXED.toISOString(),
      website_url: '',
      is_active: true,
      file_size: zipOf(`${key}-${version}`).length,
    };
  };

  const answer = async (request: IncomingMessage, response: ServerResponse, body: string) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    let match = /^\/api\/experimental\/package\/([^/]+)\/([^/]+)\/(?:([^/]+)\/)?$/.exec(path);
    if (request.method === 'GET' && match) {
      const found = find(decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? ''));
      if (!found) return json(404, { detail: 'Not found.' });
      const versions = Object.keys(found.entry.versions).sort(compare);
      if (match[3]) {
        const spec = found.entry.versions[match[3]];
        if (!spec) return json(404, { detail: 'Not found.' });
        return json(200, versionJson(found.key, match[3], spec));
      }
      const latest = versions.at(-1) as string;
      const [namespace, name] = splitId(`${found.key}-${latest}`);
      return json(200, {
        namespace,
        name,
        full_name: found.key,
        owner: namespace,
        package_url: `${url}/c/valheim/p/${namespace}/${name}/`,
        date_created: FIXED.toISOString(),
        date_updated: FIXED.toISOString(),
        rating_score: 1,
        is_pinned: false,
        is_deprecated: found.entry.deprecated === true,
        total_downloads: 1,
        latest: versionJson(found.key, latest, found.entry.versions[latest] as FakeVersion),
        community_listings: [
          {
            has_nsfw_content: false,
            categories: found.entry.categories ?? ['Mods'],
            community: 'valheim',
            review_status: 'unreviewed',
          },
        ],
      });
    }
    match = /^\/package\/download\/([^/]+)\/([^/]+)\/([^/]+)\/$/.exec(path);
    if (request.method === 'GET' && match) {
      const found = find(match[1] ?? '', match[2] ?? '');
      if (!found?.entry.versions[match[3] ?? '']) return json(404, { detail: 'Not found.' });
      const bytes = zipOf(`${found.key}-${match[3]}`);
      response.writeHead(200, { 'content-type': 'application/zip', 'content-length': bytes.length });
      response.end(Buffer.from(bytes));
      return;
    }
    if (request.method === 'POST' && path === '/api/experimental/legacyprofile/create/') {
      if (!body.startsWith('#r2modman')) return json(400, { detail: 'Invalid profile' });
      const key = randomUUID();
      profiles.set(key, body);
      return json(200, { key });
    }
    match = /^\/api\/experimental\/legacyprofile\/get\/([^/]+)\/$/.exec(path);
    if (request.method === 'GET' && match) {
      const stored = profiles.get(match[1] ?? '');
      if (!stored) return json(404, { detail: 'Not found.' });
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(stored);
      return;
    }
    json(404, { detail: 'Not found.' });
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push(`${request.method} ${request.url}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const parallel = refuseParallel && inFlight > 1;
      const finish = () => {
        inFlight--;
      };
      response.on('close', finish);
      setTimeout(() => {
        if (parallel || limited.count > 0) {
          if (!parallel) limited = { ...limited, count: limited.count - 1 };
          response.writeHead(429, {
            'retry-after': String(limited.seconds),
            'content-type': 'application/json',
          });
          response.end(JSON.stringify({ detail: 'Request was throttled.' }));
          return;
        }
        answer(request, response, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    maxInFlight: () => maxInFlight,
    rateLimitNext: (count, retryAfterSeconds = 1) => {
      limited = { count, seconds: retryAfterSeconds };
    },
    replaceZip: (id, bytes) => zips.set(id, bytes),
    zip: zipOf,
    profiles,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
