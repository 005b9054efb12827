/** The token a browser WebSocket carries as `base64url.bearer.authorization.k8s.io.<token>`. */
const PREFIX = 'base64url.bearer.authorization.k8s.io.';

export function bearerProtocolToken(header: string | string[] | undefined): string | undefined {
  const all = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim());
  const p = all.find((x) => x.startsWith(PREFIX));
  if (!p) return undefined;
  try {
    return Buffer.from(p.slice(PREFIX.length), 'base64url').toString('utf8') || undefined;
  } catch {
    return undefined;
  }
}
