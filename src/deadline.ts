/** Raised when work did not finish within its time budget. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(readonly budgetMs: number) {
    super(`did not finish within ${budgetMs} ms`);
  }
}

/**
 * Runs `work` with an abort signal that fires after `budgetMs`, and gives up at that moment even if the
 * work ignores the signal (e.g. while the SDK resolves credentials), so a reply is always sent in time.
 */
export async function withDeadline<T>(
  budgetMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new DeadlineExceededError(budgetMs));
      reject(new DeadlineExceededError(budgetMs));
    }, budgetMs);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
