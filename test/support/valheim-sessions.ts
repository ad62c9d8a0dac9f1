/**
 * Realistic Valheim server logs, as CloudWatch stores them (the image's syslog prefix, then Valheim's own
 * timestamp), built from the line shapes in shared/reference/valheim-log-lines.md: a boot, players joining
 * and leaving, the noise of a real session (spawns, deaths, the dungeon generator's bare "Connections N",
 * ValheimPlus map-point saves, the four intermediate steps of a 1.0 save), autosaves, the periodic
 * ` Connections N ZDOS:` line, and a shutdown. Each session also says how many players were really on.
 */

export interface LogLine {
  readonly at: number;
  readonly message: string;
}

export interface Session {
  readonly lines: readonly LogLine[];
  /** How many players were really on at `at`. */
  readonly playersAt: (at: number) => number;
  readonly readyAt: number;
  /** When the last player left. */
  readonly emptyAt: number;
  readonly shutdownAt: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `Nov 23 19:04:50 supervisord: valheim-server 11/23/2026 19:04:50: ` */
export function syslog(at: number, program = 'valheim-server', legacySlash = false): string {
  const d = new Date(at);
  const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  const day = `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${clock}`;
  const valheim = `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${clock}`;
  return program === 'valheim-server'
    ? `${day} ${legacySlash ? '/supervisord' : 'supervisord'}: valheim-server ${valheim}: `
    : `${day} supervisord: ${program} `;
}

const MINUTE = 60_000;

interface Player {
  readonly name: string;
  readonly steamId: string;
  readonly joinAt: number;
  readonly leaveAt: number;
  /** The "Closing socket" (Steam) line of this leave never reaches the log. */
  readonly closeLineLost?: boolean;
}

class LogWriter {
  readonly lines: LogLine[] = [];
  constructor(private readonly legacySlash = false) {}
  game(at: number, text: string): void {
    this.lines.push({ at, message: syslog(at, 'valheim-server', this.legacySlash) + text });
  }
  image(at: number, program: string, text: string): void {
    this.lines.push({ at, message: syslog(at, program) + text });
  }
  sorted(): LogLine[] {
    return [...this.lines].sort((a, b) => a.at - b.at);
  }
}

function boot(log: LogWriter, start: number, version: string): number {
  log.image(start, 'valheim-updater', 'INFO - Downloading/updating/validating Valheim server from Steam');
  // steamcmd's progress lines, as it prints them: the first one (under 1 %) carries the total size
  const total = 583_712_014;
  for (const [i, percent] of [0.18, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96].entries()) {
    const done = Math.floor((total * percent) / 100);
    log.image(
      start + 4000 + i * 5000,
      'valheim-updater',
      ` Update state (0x61) downloading, progress: ${percent.toFixed(2)} (${done} / ${total})`,
    );
  }
  log.image(start + 66_000, 'valheim-updater', "Success! App '896660' fully installed.");
  log.image(start + 70_000, 'valheim-server', 'INFO - Running Valheim Server');
  log.game(start + 80_000, `Valheim version: ${version}`);
  log.game(start + 81_000, 'Load world: Dedicated (Dedicated)');
  log.game(start + 82_000, 'DungeonDB Start 1234');
  for (let i = 0; i < 6; i++) log.game(start + 83_000 + i * 300, `Connections ${4 + i}`); // dungeon generator
  log.game(start + 90_000, 'Saved 12 map points'); // ValheimPlus
  return start + 95_000;
}

function periodic(log: LogWriter, from: number, to: number, players: (at: number) => number): void {
  for (let at = from + 10 * MINUTE; at < to; at += 10 * MINUTE) {
    const n = players(at);
    log.game(at, ` Connections ${n} ZDOS:${130_588 + at / 1000}  sent:${n * 12} recv:${n * 30}`);
  }
}

function play(log: LogWriter, player: Player, zdoOwner: number, dungeonAt?: number): void {
  for (let at = player.joinAt + 8 * MINUTE; at < player.leaveAt; at += 9 * MINUTE) {
    log.game(at, `Got character ZDOID from ${player.name} : 0:0`); // death
    log.game(
      at + 20_000,
      `Got character ZDOID from ${player.name} : ${zdoOwner}:${Math.floor(at / 1000) % 97}`,
    );
    log.game(at + 25_000, `Destroying abandoned non persistent zdo ${zdoOwner}:5 owner ${zdoOwner}`);
  }
  if (dungeonAt !== undefined) {
    for (let i = 0; i < 8; i++) log.game(dungeonAt + i * 200, `Connections ${3 + i}`);
    log.game(dungeonAt + 5000, 'Saved 3 map points');
  }
}

function truth(players: readonly Player[]): (at: number) => number {
  return (at) => players.filter((p) => p.joinAt <= at && at < p.leaveAt).length;
}

/**
 * A Steam (no crossplay) evening on Valheim before 1.0: three players (one with markdown and a mention in
 * the name), one of whose "Closing socket" line is lost, deaths, a raid, the first boss, pre-1.0 saves, and
 * a shutdown save.
 */
export function steamSession(start: number): Session {
  const log = new LogWriter();
  const ready = boot(log, start, '0.220.5 (network version 35)');
  log.game(ready, 'Game server connected');
  const players: Player[] = [
    {
      name: 'Ragnar Lothbrok',
      steamId: '76561198000000001',
      joinAt: ready + 4 * MINUTE,
      leaveAt: ready + 58 * MINUTE,
    },
    {
      name: 'Lagertha',
      steamId: '76561198000000002',
      joinAt: ready + 6 * MINUTE,
      leaveAt: ready + 35 * MINUTE,
      closeLineLost: true,
    },
    {
      // Markdown and a mention in a name: the feed must show it as written and ping nobody.
      name: 'Björn_Järnsida *@here*',
      steamId: '76561198000000003',
      joinAt: ready + 7 * MINUTE,
      leaveAt: ready + 51 * MINUTE,
    },
  ];
  players.forEach((player, i) => {
    log.game(player.joinAt - 3000, `Got handshake from client ${player.steamId}`);
    log.game(player.joinAt, `Got connection SteamID ${player.steamId}`);
    log.game(player.joinAt + 15_000, `Got character ZDOID from ${player.name} : ${2146304912 + i}:1`);
    play(log, player, 2146304912 + i, i === 0 ? ready + 22 * MINUTE : undefined);
    if (!player.closeLineLost) log.game(player.leaveAt, `Closing socket ${player.steamId}`);
  });
  const playersAt = truth(players);
  // A raid, then the first boss (the lines as the game prints them: a random event, a global key).
  log.game(ready + 26 * MINUTE, 'Random event set:army_eikthyr');
  log.game(ready + 44 * MINUTE + 7000, 'Setting global key defeated_eikthyr');
  const shutdownAt = ready + 80 * MINUTE;
  periodic(log, ready, shutdownAt, playersAt);
  for (let at = ready + 20 * MINUTE; at < shutdownAt; at += 20 * MINUTE) {
    log.game(at, 'World saved ( 1956.263ms )');
    log.game(at + 10, 'Saved 269116 zdos');
  }
  shutdown(log, shutdownAt, () => {
    log.game(shutdownAt + 3000, 'World saved ( 2208.101ms )');
    log.game(shutdownAt + 3010, 'Saved 269120 zdos');
  });
  return { lines: log.sorted(), playersAt, readyAt: ready, emptyAt: ready + 58 * MINUTE, shutdownAt };
}

/**
 * A crossplay evening on Valheim 1.0: every player (Steam users too) comes through PlayFab, the join code
 * is renewed once, deaths, a raid, the second boss, 1.0 saves in five steps, and a shutdown save.
 */
export function crossplaySession(start: number): Session {
  const log = new LogWriter();
  const ready = boot(log, start, 'l-1.0.14 (network version 40)');
  const server = 'Vikings of the North';
  log.game(ready, 'Game server connected');
  log.game(ready + 400, `New session server "${server}" that has join code , now 0 player(s)`);
  log.game(ready + 1200, `Session "${server}" registered with join code 012345`);
  log.game(
    ready + 1300,
    `Session "${server}" with join code 012345 and IP 3.120.45.67:2456 is active with 0 player(s)`,
  );
  const renewedAt = ready + 40 * MINUTE;
  const players: Player[] = [
    {
      name: 'Astrid',
      steamId: 'Steam_76561198000000011',
      joinAt: ready + 5 * MINUTE,
      leaveAt: ready + 62 * MINUTE,
    },
    {
      name: 'Bjorn',
      steamId: 'Xbox_2535416401464117',
      joinAt: ready + 9 * MINUTE,
      leaveAt: ready + 47 * MINUTE,
    },
    {
      name: 'Sigrid',
      steamId: 'Steam_76561198000000013',
      joinAt: ready + 13 * MINUTE,
      leaveAt: ready + 14 * MINUTE,
    },
  ];
  const playersAt = truth(players);
  const code = (at: number) => (at < renewedAt ? '012345' : '654321');
  players.forEach((player, i) => {
    log.game(
      player.joinAt - 1500,
      `PlayFab listen socket child connected to remote player A${i}B${i}C${i}D${i}`,
    );
    log.game(
      player.joinAt - 1000,
      `PlayFab socket with remote ID playfab/A${i}B${i}C${i}D${i} received local Platform ID ${player.steamId}`,
    );
    log.game(
      player.joinAt,
      `Player joined server "${server}" that has join code ${code(player.joinAt)}, now ${playersAt(player.joinAt)} player(s)`,
    );
    log.game(player.joinAt + 15_000, `Got character ZDOID from ${player.name} : ${-1936 + i}:1`);
    play(log, player, 1936 + i, i === 1 ? ready + 30 * MINUTE : undefined);
    log.game(
      player.leaveAt,
      `Player connection lost server "${server}" that has join code ${code(player.leaveAt)}, now ${playersAt(player.leaveAt)} player(s)`,
    );
  });
  log.game(renewedAt, `Created new join code 654321 for session "${server}"`);
  log.game(ready + 21 * MINUTE, 'Random event set:army_theelder');
  log.game(ready + 33 * MINUTE + 2500, 'Setting global key defeated_gdking');
  const shutdownAt = ready + 75 * MINUTE;
  periodic(log, ready, shutdownAt, playersAt);
  for (let at = ready + 30 * MINUTE; at < shutdownAt; at += 30 * MINUTE) saveV1(log, at, 47);
  shutdown(log, shutdownAt, () => saveV1(log, shutdownAt + 3000, 49));
  return { lines: log.sorted(), playersAt, readyAt: ready, emptyAt: ready + 62 * MINUTE, shutdownAt };
}

function saveV1(log: LogWriter, at: number, number: number): void {
  log.game(at, `World save (1/5) Cloud & Backup checks done [0ms] => Save number ${number}`);
  log.game(at + 275, 'World save (2/5) Chunks writing done [275ms]');
  log.game(at + 304, 'World save (3/5) DB2 writing done [29ms]');
  log.game(at + 305, 'World save (4/5) FWL writing done [1ms]');
  log.game(at + 319, 'World save (5/5) done. Total time [319ms]');
}

function shutdown(log: LogWriter, at: number, save: () => void): void {
  log.image(at - 1000, 'valheim-server', 'INFO - Shutting down Valheim server with PID 123');
  log.game(at, 'Game - OnApplicationQuit');
  log.game(at + 500, 'Shutting down');
  log.game(at + 1000, 'ZNet Shutdown');
  log.game(at + 2000, 'PrepareSave: clearing dead ZDOs');
  save();
  log.image(at + 6000, 'valheim-server', 'INFO - Shutdown complete');
}
