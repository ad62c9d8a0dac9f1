import { describe, expect, it } from 'vitest';
import { errorSummary, networkErrorCode } from '../../src/cli/errors.js';
import { awsError } from './helpers.js';

describe('errorSummary', () => {
  it('names the cause a user can act on, never a bare class name', () => {
    const dns = Object.assign(new Error('getaddrinfo EAI_AGAIN ghcr.io'), { code: 'EAI_AGAIN' });
    expect(errorSummary(new TypeError('fetch failed', { cause: dns }))).toBe('EAI_AGAIN');
    expect(networkErrorCode(new TypeError('fetch failed', { cause: dns }))).toBe('EAI_AGAIN');
    expect(errorSummary(new TypeError('fetch failed', { cause: new Error('other side closed') }))).toBe(
      'network error: other side closed',
    );
    expect(errorSummary(new TypeError('e is not a constructor'))).toBe('e is not a constructor');
    expect(errorSummary(awsError('UnauthorizedOperation', 'You are not authorized'))).toBe(
      'UnauthorizedOperation',
    );
    expect(
      errorSummary(Object.assign(new Error('The operation was aborted'), { name: 'TimeoutError' })),
    ).toBe('timed out');
  });
});
