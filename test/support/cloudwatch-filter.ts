/**
 * An emulation of how CloudWatch Logs matches a subscription filter pattern against an unstructured log
 * event, for the two shapes this project uses:
 * - a regex pattern `%…%`: the documented character set only (letters, digits, `:_#=@/;,-`, the operators
 *   `^$?[]{}|\*+.`; no spaces, quotes or parentheses, no multi-byte characters), matched anywhere in the line;
 * - a list of `?"term"` alternatives: the line matches when it contains any term (case-sensitive). This is
 *   the lenient reading (substring); CloudWatch's own may only be stricter, so "noise gets through" counts
 *   are an upper bound for the old pattern.
 * A pattern outside these shapes throws, so a test cannot pass on a pattern CloudWatch would refuse.
 */
const REGEX_CHARS = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]+$/;
const MAX_PATTERN_LENGTH = 1024;

export function filterMatcher(pattern: string): (message: string) => boolean {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new Error(
      `filter pattern is ${pattern.length} characters; CloudWatch allows ${MAX_PATTERN_LENGTH}`,
    );
  }
  if (pattern.startsWith('%') && pattern.endsWith('%') && pattern.length > 2) {
    const body = pattern.slice(1, -1);
    if (!REGEX_CHARS.test(body)) {
      const bad = [...body].filter((char) => !REGEX_CHARS.test(char));
      throw new Error(`CloudWatch refuses these characters in a filter regex: ${JSON.stringify(bad)}`);
    }
    const regex = new RegExp(body);
    return (message) => regex.test(message);
  }
  const terms = [...pattern.matchAll(/\?"((?:[^"\\]|\\.)+)"/g)].map((match) => match[1] ?? '');
  if (terms.length === 0 || pattern.replace(/\?"(?:[^"\\]|\\.)+"/g, '').trim() !== '') {
    throw new Error(`not a filter pattern this emulation knows: ${pattern}`);
  }
  return (message) => terms.some((term) => message.includes(term));
}
