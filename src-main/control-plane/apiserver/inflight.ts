/**
 * Max in-flight limits, as kube-apiserver's `--max-requests-inflight` (read-only) and
 * `--max-mutating-requests-inflight`: past the limit a request is answered at once with 429
 * TooManyRequests and `Retry-After`, so a flood cannot starve the event loop or the store.
 * Long-running requests (watches, log streams, exec/attach/port-forward) are not counted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBool } from '../../common/parse-bool';
import { StatusError } from './status';

/** Limits; kube-apiserver's defaults are 400 read-only and 200 mutating. */
export interface InFlightLimits {
  readOnly: number;
  mutating: number;
}

export const DEFAULT_IN_FLIGHT: InFlightLimits = { readOnly: 800, mutating: 400 };

const LONG_RUNNING_SUBRESOURCES = /\/(log|exec|attach|portforward|proxy)$/;

/** True for requests that may stay open indefinitely. */
export function isLongRunning(req: IncomingMessage, url: URL): boolean {
  const q = url.searchParams.get('watch');
  if (q !== null && parseBool(q)) return true;
  if (/\/watch\//.test(url.pathname)) return true;
  return LONG_RUNNING_SUBRESOURCES.test(url.pathname.replace(/\/+$/, ''));
}

/** Counts requests in flight per kind and refuses those over the limit. */
export class InFlightLimiter {
  private readOnly = 0;
  private mutating = 0;

  constructor(private readonly limits: InFlightLimits = DEFAULT_IN_FLIGHT) {}

  /**
   * Admits a request, releasing its slot when the response closes; throws a 429 StatusError
   * (with Retry-After set on `res`) when its pool is full.
   */
  admit(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (isLongRunning(req, url)) return;
    const method = req.method ?? 'GET';
    const mutating = !(method === 'GET' || method === 'HEAD' || method === 'OPTIONS');
    if (mutating ? this.mutating >= this.limits.mutating : this.readOnly >= this.limits.readOnly) {
      res.setHeader('Retry-After', '1');
      throw new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
        retryAfterSeconds: 1,
        causes: [
          {
            reason: 'TooManyRequests',
            message: `the server has ${mutating ? 'mutating' : 'read-only'} requests in flight at its limit`,
          },
        ],
      });
    }
    if (mutating) this.mutating++;
    else this.readOnly++;
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      if (mutating) this.mutating--;
      else this.readOnly--;
    });
  }

  /** Requests currently counted, for tests and metrics. */
  get counts(): { readOnly: number; mutating: number } {
    return { readOnly: this.readOnly, mutating: this.mutating };
  }
}
