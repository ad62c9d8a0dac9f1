/**
 * Is the interactions endpoint up? An unsigned POST must get 401: the endpoint answers, and it verifies
 * signatures. Discord itself probes the same way before it saves an endpoint URL.
 */
export type EndpointProbe =
  | { readonly kind: 'verifies' }
  /** It answered, but not 401: e.g. 500 (the Lambda failed) or 200 (it accepts unsigned requests). */
  | { readonly kind: 'answered'; readonly status: number }
  | { readonly kind: 'unreachable'; readonly reason: string };

export async function probeEndpoint(url: string, timeoutMs = 5000): Promise<EndpointProbe> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":1}',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status === 401 ? { kind: 'verifies' } : { kind: 'answered', status: response.status };
  } catch (error) {
    return { kind: 'unreachable', reason: unreachableReason(error) };
  }
}

/** The probe's outcome as the end of a sentence: "answers 500", "did not answer (ECONNREFUSED)". */
export function describeProbe(probe: EndpointProbe): string {
  switch (probe.kind) {
    case 'verifies':
      return 'answers an unsigned request with 401 (it verifies signatures)';
    case 'answered':
      return probe.status === 200
        ? 'answers an unsigned request with 200: it does not verify signatures'
        : `answers ${probe.status} instead of 401`;
    case 'unreachable':
      return `did not answer (${probe.reason})`;
  }
}

export interface WaitOptions {
  /** Give up after this long. @default 60000 */
  readonly timeoutMs?: number;
  /** Between probes. @default 3000 */
  readonly intervalMs?: number;
}

/** A fresh API Gateway stage can take a few seconds to answer: probe until it verifies, or give up. */
export async function waitForEndpoint(url: string, options: WaitOptions = {}): Promise<EndpointProbe> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const probe = await probeEndpoint(url);
    if (probe.kind === 'verifies' || Date.now() >= deadline) return probe;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 3000));
  }
}

function unreachableReason(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.message : String(error);
}
