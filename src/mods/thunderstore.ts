import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModsError, type PackageName, type PackageVersionRef, versionId } from '../records/mod-package.js';

/**
 * Thunderstore, as `valheim mods` uses it: one package and one version at a time (the whole community listing
 * is tens of megabytes), zips by their download URL, and r2modman's profile codes. Thunderstore answers 429
 * to clients that ask in parallel, so every request here goes out one after another on one connection, a 429
 * waits what its Retry-After says, and whatever cannot change (a version's metadata, a zip) is cached on disk.
 */

export const THUNDERSTORE_URL = 'https://thunderstore.io';
const USER_AGENT = 'valheim-ondemand (https://github.com/valheim-ondemand/valheim-ondemand)';

/** One version of a package, as `/api/experimental/package/{ns}/{name}/{version}/` describes it. */
export interface VersionInfo extends PackageVersionRef {
  /** `Owner-Name-1.2.3` each: the lowest version the package was built against. */
  readonly dependencies: readonly string[];
  readonly downloadUrl: string;
  /** Bytes, when Thunderstore says. */
  readonly fileSize?: number;
}

/** A package, as `/api/experimental/package/{ns}/{name}/` describes it. */
export interface PackageInfo extends PackageName {
  readonly latest: VersionInfo;
  readonly isDeprecated: boolean;
  readonly packageUrl?: string;
  /** The Valheim community's categories for it (self-assigned by the author: a hint, not a fact). */
  readonly categories: readonly string[];
}

/** What resolution, `mods update` and `mods import` need from Thunderstore. */
export interface PackageSource {
  package(ref: PackageName): Promise<PackageInfo>;
  version(ref: PackageVersionRef): Promise<VersionInfo>;
}

/** A downloaded zip and its SHA-256 (hex). */
export interface DownloadedZip {
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

export interface Thunderstore extends PackageSource {
  /** The zip of one version (from the disk cache when it holds one). */
  download(version: VersionInfo): Promise<DownloadedZip>;
  /** Uploads a profile (`#r2modman\n` + base64 of an .r2z) and returns its code. */
  createProfile(payload: string): Promise<string>;
  /** The profile behind a code, as `#r2modman\n` + base64. */
  profile(code: string): Promise<string>;
  /** Requests sent so far (for tests and the CLI's summary). */
  readonly requests: () => number;
}

export interface ThunderstoreOptions {
  /** @default https://thunderstore.io (tests point this at a loopback stand-in) */
  readonly baseUrl?: string;
  /** Where versions and zips are kept between runs; none means memory only. */
  readonly cacheDir?: string;
  readonly fetch?: typeof fetch;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The longest one Retry-After may make us wait before giving up. @default 120 s */
  readonly maxRetryAfterMs?: number;
  /** 429s and 5xx in a row for one request before giving up. @default 6 */
  readonly maxAttempts?: number;
  /** One request's time limit. @default 60 s (a zip can be a few hundred MB) */
  readonly timeoutMs?: number;
}

export class ThunderstoreError extends ModsError {}

/** Retry-After as seconds or an HTTP date, in ms (at least 1 s: Thunderstore sends whole seconds). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1000, Math.ceil(seconds * 1000));
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(1000, at - now);
}

export function thunderstoreClient(options: ThunderstoreOptions = {}): Thunderstore {
  const base = (options.baseUrl ?? THUNDERSTORE_URL).replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  const maxAttempts = options.maxAttempts ?? 6;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let sent = 0;
  // One request at a time: each waits for the one before it (and its retries) to end.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const memory = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let value = memory.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      memory.set(key, value);
      value.catch(() => memory.delete(key));
    }
    return value;
  };

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${base}${path}`;
    return serial(async () => {
      for (let attempt = 1; ; attempt++) {
        sent++;
        let response: Response;
        try {
          response = await doFetch(url, {
            ...init,
            headers: { 'user-agent': USER_AGENT, ...(init.headers as Record<string, string>) },
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          if (attempt >= maxAttempts) {
            throw new ThunderstoreError(
              `Thunderstore did not answer ${url} (${(error as Error).message})`,
              'check your internet connection and try again',
            );
          }
          await sleep(backoff(attempt));
          continue;
        }
        if (response.status !== 429 && response.status < 500) return response;
        await response.body?.cancel();
        if (attempt >= maxAttempts) {
          throw new ThunderstoreError(
            `Thunderstore answered ${response.status} to ${url} ${attempt} times in a row`,
            response.status === 429
              ? 'Thunderstore is rate-limiting this address: wait a few minutes and try again'
              : 'Thunderstore has trouble right now: try again later',
          );
        }
        const wait =
          response.status === 429
            ? (retryAfterMs(response.headers.get('retry-after')) ?? backoff(attempt))
            : backoff(attempt);
        if (wait > maxRetryAfterMs) {
          throw new ThunderstoreError(
            `Thunderstore asks to wait ${Math.ceil(wait / 1000)} s before the next request (429)`,
            'try again later',
          );
        }
        await sleep(wait);
      }
    });
  }

  async function json<T>(path: string, what: string): Promise<T> {
    const response = await request(path, { headers: { accept: 'application/json' } });
    if (response.status === 404) {
      await response.body?.cancel();
      throw new ThunderstoreError(
        `${what} is not on Thunderstore`,
        'check the spelling (Owner-Name, as on the package page) and the version',
      );
    }
    if (!response.ok) {
      throw new ThunderstoreError(`Thunderstore answered ${response.status} for ${what}`, 'try again later');
    }
    return (await response.json()) as T;
  }

  const disk = options.cacheDir ? diskCache(options.cacheDir) : undefined;

  const source: Thunderstore = {
    requests: () => sent,
    package: (ref) =>
      once(`package:${ref.namespace}/${ref.name}`, async () =>
        toPackage(
          await json<RawPackage>(
            `/api/experimental/package/${enc(ref.namespace)}/${enc(ref.name)}/`,
            `${ref.namespace}-${ref.name}`,
          ),
        ),
      ),
    version: (ref) =>
      once(`version:${versionId(ref)}`, async () => {
        // A version never changes once published: the disk cache keeps it for good.
        const cached = disk?.readJson<VersionInfo>(`versions/${versionId(ref)}.json`);
        if (cached) return cached;
        const info = toVersion(
          await json<RawVersion>(
            `/api/experimental/package/${enc(ref.namespace)}/${enc(ref.name)}/${enc(ref.version)}/`,
            versionId(ref),
          ),
          ref,
        );
        disk?.writeJson(`versions/${versionId(ref)}.json`, info);
        return info;
      }),
    download: (version) =>
      once(`zip:${versionId(version)}`, async () => {
        const known = disk?.readText(`zips/${versionId(version)}.sha256`)?.trim();
        const kept = known ? disk?.readBytes(`zips/${known}.zip`) : undefined;
        if (kept && sha256(kept) === known) return { bytes: kept, sha256: known };
        const response = await request(version.downloadUrl);
        if (!response.ok) {
          await response.body?.cancel();
          throw new ThunderstoreError(
            `Thunderstore answered ${response.status} for the zip of ${versionId(version)}`,
            'try again later',
          );
        }
        const bytes = new Uint8Array(await response.arrayBuffer());
        const hash = sha256(bytes);
        disk?.writeBytes(`zips/${hash}.zip`, bytes);
        disk?.writeText(`zips/${versionId(version)}.sha256`, `${hash}\n`);
        return { bytes, sha256: hash };
      }),
    createProfile: async (payload) => {
      const response = await request('/api/experimental/legacyprofile/create/', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: payload,
      });
      if (!response.ok) {
        throw new ThunderstoreError(
          `Thunderstore answered ${response.status} when asked to store the profile`,
          'try again later',
        );
      }
      const { key } = (await response.json()) as { key?: string };
      if (!key) throw new ThunderstoreError('Thunderstore stored the profile but sent no code back');
      return key;
    },
    profile: async (code) => {
      const response = await request(`/api/experimental/legacyprofile/get/${enc(code)}/`);
      if (response.status === 404) {
        await response.body?.cancel();
        throw new ThunderstoreError(
          `no profile with the code ${code} on Thunderstore`,
          'check the code (profile codes expire after a while: ask for a new one)',
        );
      }
      if (!response.ok) {
        throw new ThunderstoreError(`Thunderstore answered ${response.status} for profile ${code}`);
      }
      return response.text();
    },
  };
  return source;
}

const enc = encodeURIComponent;

function backoff(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1));
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface RawVersion {
  readonly namespace?: string;
  readonly name: string;
  readonly full_name?: string;
  readonly version_number: string;
  readonly dependencies?: readonly string[];
  readonly download_url: string;
  readonly file_size?: number;
}

interface RawPackage {
  readonly namespace?: string;
  readonly owner?: string;
  readonly name: string;
  readonly package_url?: string;
  readonly is_deprecated?: boolean;
  readonly latest: RawVersion;
  readonly community_listings?: readonly {
    readonly community?: string;
    readonly categories?: readonly string[];
  }[];
}

function toVersion(raw: RawVersion, fallback: PackageName): VersionInfo {
  const namespace = raw.namespace ?? raw.full_name?.split('-')[0] ?? fallback.namespace;
  return {
    namespace,
    name: raw.name,
    version: raw.version_number,
    dependencies: raw.dependencies ?? [],
    downloadUrl: raw.download_url,
    ...(raw.file_size !== undefined && { fileSize: raw.file_size }),
  };
}

function toPackage(raw: RawPackage): PackageInfo {
  const namespace = raw.namespace ?? raw.owner ?? '';
  const listing = raw.community_listings?.find((entry) => entry.community === 'valheim');
  return {
    namespace,
    name: raw.name,
    latest: toVersion(raw.latest, { namespace, name: raw.name }),
    isDeprecated: raw.is_deprecated === true,
    ...(raw.package_url && { packageUrl: raw.package_url }),
    categories: listing?.categories ?? [],
  };
}

/** Files below `root`, each written whole (a temp file, then a rename) so a killed run leaves no half file. */
function diskCache(root: string) {
  const path = (name: string) => join(root, name);
  const read = (name: string): Buffer | undefined => {
    try {
      return readFileSync(path(name));
    } catch {
      return undefined;
    }
  };
  const write = (name: string, data: Uint8Array | string): void => {
    try {
      const target = path(name);
      mkdirSync(join(target, '..'), { recursive: true });
      const partial = `${target}.${process.pid}.partial`;
      writeFileSync(partial, data);
      renameSync(partial, target);
    } catch {
      // A cache that cannot be written only makes the next run slower.
    }
  };
  return {
    readBytes: (name: string) => {
      const data = read(name);
      return data ? new Uint8Array(data) : undefined;
    },
    readText: (name: string) => read(name)?.toString('utf8'),
    readJson: <T>(name: string): T | undefined => {
      const text = read(name)?.toString('utf8');
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as T;
      } catch {
        return undefined;
      }
    },
    writeBytes: write,
    writeText: write,
    writeJson: (name: string, value: unknown) => write(name, `${JSON.stringify(value)}\n`),
  };
}
