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

/** Validates a parsed config object; `source` names where it came from in error messages. */
export function parseConfig(value: unknown, source: string): ValheimConfig {
  const result = configSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${source}: ${describeIssue(issue)}`).join('\n'));
}

/** Reads and validates a config file. */
export function loadConfig(file: string): ValheimConfig {
  if (!existsSync(file)) {
    throw new ConfigError(
      `${file}: not found; run "npx valheim setup" or copy ${EXAMPLE_CONFIG_FILE} to ${file}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `${file}: not valid JSON (${(error as Error).message}); fix the syntax and try again`,
    );
  }
  return parseConfig(value, file);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `${field} is missing; add it (see ${EXAMPLE_CONFIG_FILE})`
        : `${field} must be a ${issue.expected}, not ${JSON.stringify(issue.input)}`;
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

function formatValue(input: unknown): string {
  // Messages from refinements already start with the value or with "must…", "is…": quote short strings only.
  return typeof input === 'string' && input.length <= 80 ? `"${input}" ` : '';
}
