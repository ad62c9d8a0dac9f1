import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { configSchema, type ValheimConfig } from './schema.js';

/** The config file the CLI and the CDK app read unless told otherwise. */
export const DEFAULT_CONFIG_FILE = 'valheim.config.json';
/** The committed example, used by `npm run synth` on a fresh clone. */
export const EXAMPLE_CONFIG_FILE = 'valheim.config.example.json';

/** A config problem, with one line per bad field naming the field and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates a parsed config object; `source` names where it came from in error messages. `text`, the file
 * as written, lets a message quote what the user typed where parsing changed it (a long number's digits).
 */
export function parseConfig(value: unknown, source: string, text?: string): ValheimConfig {
  const result = configSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${source}: ${describeIssue(issue, text)}`).join('\n'),
  );
}

/** Reads and validates a config file. */
export function loadConfig(file: string): ValheimConfig {
  if (!existsSync(file)) {
    throw new ConfigError(
      `${file}: not found; run "npx valheim setup" or copy ${EXAMPLE_CONFIG_FILE} to ${file}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(unreadable(file, error as NodeJS.ErrnoException));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: ${syntaxProblem(text, (error as Error).message)}`);
  }
  return parseConfig(value, file, text);
}

/** Why the file cannot be read: a folder, a permission, or what the system said. */
function unreadable(file: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'EISDIR') {
    return `${file}: is a folder, not a config file; pass the file, e.g. --config ${file.replace(/\/+$/, '')}/${DEFAULT_CONFIG_FILE}`;
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return `${file}: not readable (${error.code}); check its permissions`;
  }
  return `${file}: could not be read (${error.code ?? error.message})`;
}

/**
 * A JSON syntax error with the line and column an editor shows (Node 20 names only the character offset),
 * and the line itself.
 */
export function syntaxProblem(text: string, message: string): string {
  if (text.trim() === '')
    return `is empty; write the config there (npx valheim setup) or pass another --config`;
  const reason = message
    .replace(/\s*in JSON at position \d+.*$/, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '');
  const offset = Number(/at position (\d+)/.exec(message)?.[1] ?? text.length);
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  const source = (text.split('\n')[line - 1] ?? '').trim().slice(0, 80);
  return `not valid JSON at line ${line}, column ${column} (${reason})${source ? `: ${source}` : ''}; fix the syntax there and try again`;
}

function describeIssue(issue: z.core.$ZodIssue, text: string | undefined): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${field} is missing; add it (see ${EXAMPLE_CONFIG_FILE})`;
      if (issue.expected === 'string' && typeof issue.input === 'number') {
        // Discord IDs are 17–20 digits: as a JSON number they lose their last digits when read.
        const written = writtenNumber(text, issue.path.at(-1), issue.input) ?? String(issue.input);
        const changed = written !== String(issue.input) ? ` (as a number it reads as ${issue.input})` : '';
        return `${field} must be a string: put the digits in quotes, "${field.split('.').at(-1)}": "${written}"${changed}`;
      }
      return `${field} must be a ${issue.expected}, not ${JSON.stringify(issue.input)}`;
    case 'unrecognized_keys':
      return `${field === '(top level)' ? '' : `${field}: `}unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove it or check the spelling (see README, "Configuration")`;
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'custom':
      return `${field} ${formatValue(issue.input)}${issue.message}`;
    default:
      return `${field}: ${issue.message}`;
  }
}

/** The number as the file spells it, for the field `key` whose parsed value is `value`. */
function writtenNumber(
  text: string | undefined,
  key: PropertyKey | undefined,
  value: number,
): string | undefined {
  if (text === undefined || typeof key !== 'string') return undefined;
  const pattern = new RegExp(
    `"${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:\\s*(-?\\d[\\d.eE+-]*)`,
    'g',
  );
  return [...text.matchAll(pattern)]
    .map((match) => match[1] ?? '')
    .find((digits) => Number(digits) === value);
}

function formatValue(input: unknown): string {
  // Messages from refinements already start with the value or with "must…", "is…": quote short strings only.
  return typeof input === 'string' && input.length <= 80 ? `"${input}" ` : '';
}

export interface ConfigFileChoice {
  /** The file to load. */
  readonly file: string;
  /** Set when falling back to the example config: one line for stderr. */
  readonly warning?: string;
}

/**
 * Which config file the app reads: the `config` context value (`cdk synth -c config=…`), else the
 * VALHEIM_CONFIG environment variable, else valheim.config.json. Only the default falls back to the committed
 * example (so a fresh clone synthesizes); a file named explicitly must exist.
 */
export function chooseConfigFile(
  context: unknown,
  env: string | undefined,
  exists: (file: string) => boolean = existsSync,
): ConfigFileChoice {
  const requested = typeof context === 'string' && context !== '' ? context : env || undefined;
  if (requested) return { file: requested };
  if (exists(DEFAULT_CONFIG_FILE)) return { file: DEFAULT_CONFIG_FILE };
  return {
    file: EXAMPLE_CONFIG_FILE,
    warning: `warning: ${DEFAULT_CONFIG_FILE} not found, using the example config ${EXAMPLE_CONFIG_FILE}; run "npx valheim setup" to create yours`,
  };
}
