import type { ValheimConfig, ValheimConfigInput } from '../../config/schema.js';
import { CliError } from '../errors.js';
import type { Terminal } from '../io.js';
import type { Answers, AnyQuestion, DefaultsFrom, Parsed, Question, QuestionId } from './questions.js';

/** How the wizard runs: asking on a terminal, or (--non-interactive) from flags and defaults only. */
export interface AskContext {
  readonly interactive: boolean;
  readonly term: Terminal;
  readonly promptLine: (question: string) => Promise<string>;
}

/** The default a question offers: the config file's current value, else the table's default. */
export function prefillOf(
  question: AnyQuestion,
  was: ValheimConfig | undefined,
  from: DefaultsFrom,
): string | undefined {
  const current = was === undefined ? undefined : valueAt(was, question.path);
  const shown = Array.isArray(current) ? current.join(',') : (current as string | undefined);
  return shown === undefined || shown === '' ? question.defaultValue?.(from) : shown;
}

/** The flag's text as the question reads it (a repeatable flag's values joined by commas). */
export function flagText(given: string | readonly string[] | undefined): string | undefined {
  return Array.isArray(given) ? given.join(',') : (given as string | undefined);
}

/**
 * The one loop every question goes through: the flag's value when given (wrong: one line naming the flag),
 * else (non-interactive) the default, else the question, asked until the answer passes its check; a wrong
 * answer is explained with where to find the right one.
 */
export async function answer<K extends QuestionId>(
  question: Question<K>,
  prefill: string | undefined,
  given: string | undefined,
  answers: Answers,
  { interactive, term, promptLine }: AskContext,
): Promise<Answers[K]> {
  if (given !== undefined) return fromFlag(question, given, answers);
  if (!interactive || question.flagOnly) {
    if (prefill !== undefined) return fromFlag(question, prefill, answers);
    if (question.optional || question.flagOnly) return undefined;
    throw new CliError(`${question.flag} is required with --non-interactive`, question.hint);
  }
  const prompt = `${question.label}${prefill ? ` [${prefill}]` : ''}: `;
  // A kept optional value needs a way out: Enter keeps it, "none" removes it.
  const removable = question.optional && prefill !== undefined;
  term.err(`  ${question.hint}${removable ? '; "none" removes it' : ''}`);
  for (;;) {
    const typed = (await promptLine(prompt)).trim();
    if (removable && /^none$/i.test(typed)) return undefined;
    const text = typed || prefill || '';
    if (text === '' && question.optional) return undefined;
    const parsed: Parsed<NonNullable<Answers[K]>> =
      text === '' ? { problem: 'an answer is required' } : question.parse(text, answers);
    if ('value' in parsed) return parsed.value;
    reask(term, parsed.problem, question.hint);
  }
}

/** A value given as a flag: used as is when valid, otherwise a one-line error naming the flag. */
function fromFlag<K extends QuestionId>(question: Question<K>, given: string, answers: Answers): Answers[K] {
  const text = given.trim();
  if (text === '' && question.optional) return undefined;
  const parsed = question.parse(text, answers);
  if ('problem' in parsed) throw new CliError(`${question.flag} ${parsed.problem}`, question.hint);
  return parsed.value;
}

export function reask(term: Terminal, problem: string, hint: string): void {
  term.err(`  ✗ ${problem}`);
  term.err(`  ${hint}`);
}

/**
 * The config with the answers put where the table says, everything else in `raw` untouched. An answer that
 * is none, an empty list or the schema's default is left out, so the file holds only what the user chose.
 */
export function withAnswers(
  raw: Record<string, unknown>,
  questions: readonly AnyQuestion[],
  answers: Answers,
): ValheimConfigInput {
  // A new file gets the familiar order; an existing one keeps its own.
  const config: Record<string, unknown> =
    Object.keys(raw).length > 0
      ? structuredClone(raw)
      : { stackName: undefined, region: undefined, timeZone: undefined, server: {}, discord: {} };
  for (const question of questions) {
    const value = answers[question.id];
    const [first, second] = question.path;
    if (second !== undefined && config[first] === undefined) config[first] = {};
    const parent = (second === undefined ? config : config[first]) as Record<string, unknown>;
    const key = second ?? first;
    const omitted =
      value === undefined || (Array.isArray(value) && value.length === 0) || value === question.schemaDefault;
    if (omitted) delete parent[key];
    else parent[key] = value;
  }
  for (const [key, value] of Object.entries(config)) if (value === undefined) delete config[key];
  return config as ValheimConfigInput;
}

function valueAt(config: ValheimConfig, path: readonly string[]): unknown {
  let value: unknown = config;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

/** One line per setting that differs: `path: old → new`, with (none) for a missing value. */
export function configChanges(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const old = flatten(before);
  const now = flatten(after);
  const paths = [...new Set([...old.keys(), ...now.keys()])];
  return paths
    .filter((path) => old.get(path) !== now.get(path))
    .map((path) => `${path}: ${old.get(path) ?? '(none)'} → ${now.get(path) ?? '(none)'}`);
}

function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined) {
    into.set(prefix, JSON.stringify(value));
  }
  return into;
}
