// List continuation for the object storage (upstream storage/continue.go): continue tokens and resourceVersion parameters; pure, touches no storage.
import { badRequest } from './status';

/** The message kube-apiserver sends when a continue token's revision has been compacted. */
export const CONTINUE_EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** A resourceVersion parameter as a revision; 400 unless it is an unsigned integer. */
export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv))
    throw badRequest(`resourceVersion: Invalid value: "${rv}": must be an unsigned integer`);
  return Number(rv);
}

/** Continue tokens have kube-apiserver's shape: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"…"}. */
export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  let parsed: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as typeof parsed;
  } catch {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (parsed.v !== 'meta.k8s.io/v1')
    throw badRequest('continue key is not valid: server does not recognize this encoded key');
  if (typeof parsed.rv !== 'number' || !Number.isInteger(parsed.rv) || parsed.rv <= 0) {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (
    typeof parsed.start !== 'string' ||
    !parsed.start ||
    parsed.start.includes('/..') ||
    parsed.start.startsWith('..')
  ) {
    throw badRequest('continue key is not valid: encoded start key is invalid');
  }
  return { rv: parsed.rv, start: parsed.start };
}
