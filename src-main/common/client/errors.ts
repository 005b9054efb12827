import type { Status } from 'kubernetes-types/meta/v1';

/** The one error the client throws for a non-2xx answer; carries the server's Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: Status,
  ) {
    super(status.message || `HTTP ${code}`);
    this.name = 'ApiError';
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

function hasCode(err: unknown, code: number, reason?: string): boolean {
  return err instanceof ApiError && err.code === code && (reason === undefined || err.reason === reason);
}

export const isNotFound = (err: unknown): boolean => hasCode(err, 404);
export const isConflict = (err: unknown): boolean => hasCode(err, 409, 'Conflict');
export const isAlreadyExists = (err: unknown): boolean => hasCode(err, 409, 'AlreadyExists');
export const isGone = (err: unknown): boolean => hasCode(err, 410);
export const isForbidden = (err: unknown): boolean => hasCode(err, 403);

/** Turns an HTTP answer into an ApiError, using the Status body when the server sent one. */
export function errorFromResponse(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as Status;
    if (parsed && parsed.kind === 'Status') return new ApiError(status, parsed);
  } catch {
    // not JSON: fall through to a synthetic Status
  }
  return new ApiError(status, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code: status,
    message: body.slice(0, 500) || `HTTP ${status}`,
  });
}
