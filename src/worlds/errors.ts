/**
 * An expected failure of a world operation: what went wrong and how to fix it. The CLI prints it as
 * `valheim: <problem> — <fix>`; other callers (a Discord command) can word it their own way.
 */
export class WorldError extends Error {
  override readonly name = 'WorldError';

  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem} — ${fix}`);
  }
}
