/**
 * How long a start takes, as budgeted phase by phase in docs/start-time.md: the one source of every "a start
 * takes about …" the README, the bot and the CLI say (tests tie each of them to it). The measured figures of
 * real starts (`valheim starts`, the start reply's median) replace it once a group has started a few times.
 * Imports nothing.
 */

export interface StartPhaseBudget {
  /** As the start reply names the phase (image boot and the second copy are inside "updating the game" there). */
  readonly phase: string;
  /** Seconds, from a current install cache and a world of a few MB. */
  readonly seconds: number;
  /** What happens, for the README's table. */
  readonly what: string;
}

/** From `/valheim start` to "join at …", with the install cache current (docs/start-time.md, "after"). */
export const START_BUDGET: readonly StartPhaseBudget[] = [
  {
    phase: 'placing the task',
    seconds: 15,
    what: 'Fargate finds capacity and attaches a network interface with a public IP',
  },
  { phase: 'pulling the image', seconds: 45, what: 'the game image from GHCR (and the small AWS CLI image)' },
  {
    phase: 'restoring the game files',
    seconds: 25,
    what: 'the game install (~2 GB) comes from a tarball in your world bucket, not from Steam; meanwhile the world is read back from EFS',
  },
  { phase: 'image boot', seconds: 5, what: 'the image starts its supervisor' },
  { phase: 'updating the game', seconds: 10, what: 'steamcmd checks for a game update (no `validate` pass)' },
  { phase: 'second copy', seconds: 1, what: 'the install is hard-linked where the image runs it from' },
  { phase: 'loading the world', seconds: 30, what: 'grows with the world' },
  { phase: 'telling Discord', seconds: 3, what: 'the server log triggers the bot' },
];

/** The budget's total: a start from a current cache. */
export const TYPICAL_START_SECONDS = START_BUDGET.reduce((total, phase) => total + phase.seconds, 0);

/**
 * A start without a usable cache (the very first, or one after a major game update): steamcmd downloads the
 * whole game (docs/start-time.md, "before", minus the `validate` pass).
 */
export const FULL_DOWNLOAD_START_SECONDS = 240;

/** Minutes to the nearest quarter, as said aloud: 134 s → "2¼ minutes", 240 s → "4 minutes". */
export function aboutMinutes(seconds: number): string {
  const quarters = Math.round(seconds / 15);
  const whole = Math.floor(quarters / 4);
  const fraction = ['', '¼', '½', '¾'][quarters % 4] ?? '';
  const number = whole === 0 ? fraction || '0' : `${whole}${fraction}`;
  return `${number} ${quarters === 4 ? 'minute' : 'minutes'}`;
}

/** "about 2¼ minutes (up to 4 the first time and after a game update)": what every message says. */
export const USUAL_START_TIME = `about ${aboutMinutes(TYPICAL_START_SECONDS)} (up to ${aboutMinutes(FULL_DOWNLOAD_START_SECONDS).replace(' minutes', '')} the first time and after a game update)`;
