/**
 * A small evaluator of IAM identity policies and permissions boundaries, for asking "may this role do this
 * action on this resource?" of the policies this project ships, without AWS. It follows IAM's documented
 * evaluation logic for one account:
 *
 * - a request is allowed when some identity-policy statement allows it and none denies it, and — when the
 *   principal has a permissions boundary — the boundary allows it too and does not deny it (an explicit deny
 *   anywhere wins);
 * - a statement applies when its Action (or NotAction) and its Resource (or NotResource) match and every
 *   condition holds; actions match case-insensitively, resources case-sensitively, `*` and `?` as wildcards;
 * - condition operators: StringEquals, StringNotEquals, StringLike, StringNotLike, ArnEquals, ArnLike,
 *   ArnNotEquals, ArnNotLike, Bool, Null, each with `IfExists`; several values of one key match when any
 *   does (for negated operators: when none does); all keys and operators of a statement must hold. A key
 *   the request lacks fails a positive operator and satisfies a negated one (`…IfExists` satisfies both).
 *
 * Anything else (an unknown operator, a policy variable) throws, so a policy this evaluator cannot judge is
 * never judged wrongly in silence.
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>
  >;
}

export interface Policy {
  readonly Statement: readonly Statement[] | Statement;
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (e.g. `iam:PermissionsBoundary`, `kms:ViaService`); absent = not present. */
  readonly context?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface Principal {
  /** The identity-based policies (inline and managed). */
  readonly policies: readonly Policy[];
  /** The permissions boundary, if the principal has one. */
  readonly boundary?: Policy;
}

export type Decision = 'allowed' | 'explicit deny' | 'implicit deny';

const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

const compiled = new Map<string, RegExp>();

/** IAM's wildcard match: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    if (pattern.includes('${')) throw new Error(`policy variables are not supported: ${pattern}`);
    const source = [...pattern]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^$()|[\]\\{}]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
    compiled.set(key, regex);
  }
  return regex.test(value);
}

function actionMatches(statement: Statement, action: string): boolean {
  if (statement.Action !== undefined)
    return list(statement.Action).some((p) => wildcardMatch(p, action, true));
  if (statement.NotAction !== undefined) {
    return !list(statement.NotAction).some((p) => wildcardMatch(p, action, true));
  }
  throw new Error(`statement ${statement.Sid ?? ''} has neither Action nor NotAction`);
}

function resourceMatches(statement: Statement, resource: string): boolean {
  if (statement.Resource !== undefined)
    return list(statement.Resource).some((p) => wildcardMatch(p, resource));
  if (statement.NotResource !== undefined) {
    return !list(statement.NotResource).some((p) => wildcardMatch(p, resource));
  }
  throw new Error(`statement ${statement.Sid ?? ''} has neither Resource nor NotResource`);
}

type Matcher = (pattern: string, value: string) => boolean;

const MATCHERS: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: (p, v) => p === v, negated: false },
  StringNotEquals: { match: (p, v) => p === v, negated: true },
  StringEqualsIgnoreCase: { match: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
  StringLike: { match: (p, v) => wildcardMatch(p, v), negated: false },
  StringNotLike: { match: (p, v) => wildcardMatch(p, v), negated: true },
  ArnEquals: { match: (p, v) => arnMatch(p, v), negated: false },
  ArnLike: { match: (p, v) => arnMatch(p, v), negated: false },
  ArnNotEquals: { match: (p, v) => arnMatch(p, v), negated: true },
  ArnNotLike: { match: (p, v) => arnMatch(p, v), negated: true },
  Bool: { match: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
};

/** ARN operators compare the six colon-separated parts each with wildcards (a `*` never spans a colon). */
function arnMatch(pattern: string, arn: string): boolean {
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return false;
  const head = (parts: string[]) => [...parts.slice(0, 5), parts.slice(5).join(':')];
  const [pp, aa] = [head(p), head(a)];
  return pp.every((part, i) => wildcardMatch(part, aa[i] ?? ''));
}

function conditionHolds(operator: string, key: string, wanted: readonly string[], request: Request): boolean {
  const value = request.context?.[key];
  const values = value === undefined ? [] : list(value);
  if (operator === 'Null') {
    const shouldBeAbsent = wanted.some((w) => w.toLowerCase() === 'true');
    return shouldBeAbsent === (values.length === 0);
  }
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const matcher = MATCHERS[base];
  if (!matcher) throw new Error(`condition operator ${operator} is not supported`);
  if (values.length === 0) return ifExists || matcher.negated;
  const anyMatch = values.some((v) => wanted.some((w) => matcher.match(w, v)));
  return matcher.negated ? !anyMatch : anyMatch;
}

function applies(statement: Statement, request: Request): boolean {
  if (!actionMatches(statement, request.action) || !resourceMatches(statement, request.resource))
    return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    if (operator.includes(':')) throw new Error(`set operators (${operator}) are not supported`);
    for (const [key, wanted] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, list(wanted).map(String), request)) return false;
    }
  }
  return true;
}

/** The decision of one set of policies alone. */
export function decide(policies: readonly Policy[], request: Request): Decision {
  const statements = policies.flatMap((policy) => list(policy.Statement));
  const matching = statements.filter((statement) => applies(statement, request));
  if (matching.some((statement) => statement.Effect === 'Deny')) return 'explicit deny';
  return matching.some((statement) => statement.Effect === 'Allow') ? 'allowed' : 'implicit deny';
}

/** The decision for a principal: its identity policies, limited by its boundary. */
export function evaluate(principal: Principal, request: Request): Decision {
  const identity = decide(principal.policies, request);
  const boundary = principal.boundary ? decide([principal.boundary], request) : 'allowed';
  if (identity === 'explicit deny' || boundary === 'explicit deny') return 'explicit deny';
  return identity === 'allowed' && boundary === 'allowed' ? 'allowed' : 'implicit deny';
}

/** The statements (by Sid) that allow or deny the request, for readable test failures. */
export function explain(policies: readonly Policy[], request: Request): string[] {
  return policies
    .flatMap((policy) => list(policy.Statement))
    .filter((statement) => applies(statement, request))
    .map((statement) => `${statement.Effect} ${statement.Sid ?? '(no Sid)'}`);
}
