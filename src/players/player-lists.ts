/*
 * The server's admin, ban and permitted lists, managed from Discord (`/valheim access …`) and applied at the
 * next start. The image writes /config/adminlist.txt, bannedlist.txt and permittedlist.txt from
 * ADMINLIST_IDS, BANNEDLIST_IDS and PERMITTEDLIST_IDS (space-separated ids, one per line in the file). The
 * game task reads those from three SSM String parameters through ECS `secrets` at every launch, as it reads
 * the active world (src/worlds/active-world.ts): a deploy never resets what Discord changed.
 *
 * An empty list cannot be stored as "": SSM refuses empty values, and the image's write_serverlist leaves the
 * file as it was when the variable is empty, so the last id removed would stay in force. An empty list is
 * stored as one space: the image then writes the header line and blank lines, which Valheim skips.
 */

export const PLAYER_LIST_KINDS = ['admins', 'bans', 'permitted'] as const;
export type PlayerListKind = (typeof PLAYER_LIST_KINDS)[number];

export function isPlayerListKind(value: string): value is PlayerListKind {
  return (PLAYER_LIST_KINDS as readonly string[]).includes(value);
}

/** The image's variable for each list. */
export const PLAYER_LIST_VARIABLES: Readonly<Record<PlayerListKind, string>> = {
  admins: 'ADMINLIST_IDS',
  bans: 'BANNEDLIST_IDS',
  permitted: 'PERMITTEDLIST_IDS',
};

/** The file the image writes for each list (under /config). */
export const PLAYER_LIST_FILES: Readonly<Record<PlayerListKind, string>> = {
  admins: 'adminlist.txt',
  bans: 'bannedlist.txt',
  permitted: 'permittedlist.txt',
};

export type PlayerListParameterNames = Readonly<Record<PlayerListKind, string>>;

/** `/<prefix>/players/admins`, `…/bans`, `…/permitted`. */
export function playerListParameterNames(prefix: string): PlayerListParameterNames {
  return {
    admins: `/${prefix}/players/admins`,
    bans: `/${prefix}/players/bans`,
    permitted: `/${prefix}/players/permitted`,
  };
}

/** What an empty list is stored as (see above). */
export const EMPTY_LIST_VALUE = ' ';

/** A SteamID64: 17 digits starting 7656119 (the individual-account range). */
const STEAM_ID64 = /^7656119\d{10}$/;
/**
 * Crossplay platform ids, as the server log's "received local Platform ID" lines print them and as Valheim
 * compares the list files' lines: `Steam_<SteamID64>` and `Xbox_<XUID>` (a decimal number of up to 20 digits).
 */
const STEAM_PLATFORM_ID = /^Steam_7656119\d{10}$/;
const XBOX_PLATFORM_ID = /^Xbox_\d{1,20}$/;

export type PlayerIdCheck =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly why: string };

/** Whether `input` is an id the list files accept; `Steam_`/`Xbox_` prefixes in any case are normalized. */
export function checkPlayerId(input: string): PlayerIdCheck {
  const text = input.trim();
  const prefixed = /^(steam|xbox)_(.*)$/i.exec(text);
  const id = prefixed
    ? `${prefixed[1]?.toLowerCase() === 'steam' ? 'Steam' : 'Xbox'}_${prefixed[2] ?? ''}`
    : text;
  if (STEAM_ID64.test(id) || STEAM_PLATFORM_ID.test(id) || XBOX_PLATFORM_ID.test(id)) return { ok: true, id };
  if (/^\d+$/.test(id))
    return {
      ok: false,
      why: `"${id}" is not a SteamID64: those are 17 digits starting with 7656119 (see the Steam profile URL), and Xbox ids are written Xbox_<number>`,
    };
  if (id.startsWith('Steam_'))
    return {
      ok: false,
      why: `"${id}" is not a Steam platform id: Steam_ followed by a 17-digit SteamID64 (7656119…)`,
    };
  if (id.startsWith('Xbox_'))
    return { ok: false, why: `"${id}" is not an Xbox platform id: Xbox_ followed by digits only` };
  return {
    ok: false,
    why: `"${id.slice(0, 40)}" is not a player id: give a SteamID64 (17 digits, 7656119…), Steam_<SteamID64> or Xbox_<number> (the server log's "received local Platform ID" lines show them)`,
  };
}

/** The parameter's value for `ids`: space-separated, or one space for none. */
export function formatPlayerList(ids: readonly string[]): string {
  return ids.length === 0 ? EMPTY_LIST_VALUE : ids.join(' ');
}

/** The ids a parameter's value holds (any whitespace separates them; unknown words are kept as they are). */
export function parsePlayerList(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(/\s+/).filter(Boolean))];
}

/** The three lists. */
export type PlayerLists = Readonly<Record<PlayerListKind, readonly string[]>>;

/** Where the lists live, and the lock that serializes their changes. */
export interface PlayerListPorts {
  /** The three lists; a parameter that is missing reads as an empty list. */
  read(signal?: AbortSignal): Promise<PlayerLists>;
  /** Overwrites one list. */
  write(kind: PlayerListKind, ids: readonly string[], signal?: AbortSignal): Promise<void>;
  /**
   * Takes the lists' change lock for `leaseMs` when it is free or its lease has run out; false when another
   * change holds it. SSM has no conditional write, so a change reads, edits and writes under this lock, and
   * two operators editing at once never lose an entry.
   */
  lock(owner: string, now: number, leaseMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Releases the lock if `owner` still holds it. */
  unlock(owner: string, signal?: AbortSignal): Promise<void>;
  now(): Date;
}

/** A change holds the lock at most this long: far longer than a command's few seconds. */
export const LIST_CHANGE_LEASE_MS = 30_000;

export class PlayerListsBusyError extends Error {
  constructor() {
    super('Someone else is changing the lists right now: try again in a few seconds.');
    this.name = 'PlayerListsBusyError';
  }
}

/** A standard SSM parameter holds at most 4 KB: about 170 ids per list. */
export const MAX_LIST_VALUE_LENGTH = 4096;

export class PlayerListFullError extends Error {
  constructor(kind: PlayerListKind, count: number) {
    super(`The ${kind} list is full (${count} ids, the most one SSM parameter holds): remove someone first.`);
    this.name = 'PlayerListFullError';
  }
}

export type ListEdit = {
  readonly action: 'add' | 'remove';
  readonly kind: PlayerListKind;
  readonly id: string;
};

export interface ListEditResult {
  /** False when the list already was as asked (the id was there for add, absent for remove). */
  readonly changed: boolean;
  readonly ids: readonly string[];
}

/**
 * Adds or removes one id under the change lock: read, edit, write, release. Waits for a busy lock for up to
 * `attempts` tries, `pauseMs` apart, then gives up with PlayerListsBusyError (nothing changed).
 */
export async function editPlayerList(
  ports: PlayerListPorts,
  edit: ListEdit,
  options: {
    readonly owner: string;
    readonly attempts?: number;
    readonly pauseMs?: number;
    readonly signal?: AbortSignal;
  },
): Promise<ListEditResult> {
  const attempts = options.attempts ?? 8;
  const pauseMs = options.pauseMs ?? 150;
  let locked = false;
  for (let attempt = 0; attempt < attempts && !locked; attempt += 1) {
    if (attempt > 0) await sleep(pauseMs, options.signal);
    locked = await ports.lock(options.owner, ports.now().getTime(), LIST_CHANGE_LEASE_MS, options.signal);
  }
  if (!locked) throw new PlayerListsBusyError();
  try {
    const lists = await ports.read(options.signal);
    const ids = lists[edit.kind];
    const present = ids.includes(edit.id);
    if (edit.action === 'add' ? present : !present) return { changed: false, ids };
    const next = edit.action === 'add' ? [...ids, edit.id] : ids.filter((id) => id !== edit.id);
    if (formatPlayerList(next).length > MAX_LIST_VALUE_LENGTH)
      throw new PlayerListFullError(edit.kind, ids.length);
    await ports.write(edit.kind, next, options.signal);
    return { changed: true, ids: next };
  } finally {
    await ports.unlock(options.owner).catch(() => undefined);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
