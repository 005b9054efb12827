// Engine API error helpers for the Docker runtime: pure, touches nothing.

/** True when a dockerode error carries one of the given HTTP status codes. */
export function hasStatus(err: unknown, ...codes: number[]): boolean {
  const code = (err as { statusCode?: number } | undefined)?.statusCode;
  return code !== undefined && codes.includes(code);
}
