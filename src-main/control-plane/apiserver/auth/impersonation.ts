/**
 * Impersonation (k8s.io/apiserver's filters/impersonation.go): a request carrying
 * `Impersonate-User` (with `Impersonate-Group` repeated, `Impersonate-Uid`,
 * `Impersonate-Extra-<key>`) acts as that identity, once the requester is authorized for the
 * `impersonate` verb on each part — users, serviceaccounts (for `system:serviceaccount:ns:name`),
 * groups, authentication.k8s.io userextras/<key> and uids. The impersonated user gets
 * `system:authenticated` (a service account also its two groups), as upstream.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest } from '../status';
import { forbidden } from './forbidden';
import type { Attributes, Authorizer, UserInfo } from './types';

const EXTRA_PREFIX = 'impersonate-extra-';

/** Every value of a (possibly repeated, comma-joined by Node) request header. */
function headerValues(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i].toLowerCase() === name) out.push(req.rawHeaders[i + 1]);
  return out;
}

/** True when the request asks to impersonate anyone. */
export function wantsImpersonation(req: IncomingMessage): boolean {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const h = req.rawHeaders[i].toLowerCase();
    if (
      h === 'impersonate-user' ||
      h === 'impersonate-group' ||
      h === 'impersonate-uid' ||
      h.startsWith(EXTRA_PREFIX)
    )
      return true;
  }
  return false;
}

/**
 * The identity a request acts as: `user` itself without impersonation headers, else the
 * impersonated one. Throws 403 (not allowed to impersonate) or 400 (groups without a user).
 */
export async function impersonate(
  req: IncomingMessage,
  user: UserInfo,
  authorizer: Authorizer,
): Promise<UserInfo> {
  if (!wantsImpersonation(req)) return user;
  const userNames = headerValues(req, 'impersonate-user');
  const groups = headerValues(req, 'impersonate-group');
  const uids = headerValues(req, 'impersonate-uid');
  const extra: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const h = req.rawHeaders[i].toLowerCase();
    if (!h.startsWith(EXTRA_PREFIX)) continue;
    let key = h.slice(EXTRA_PREFIX.length);
    try {
      key = decodeURIComponent(key);
    } catch {
      throw badRequest(`invalid impersonation extra header key: ${key}`);
    }
    (extra[key] ??= []).push(req.rawHeaders[i + 1]);
  }
  const requested = [
    ...(groups.length ? [`groups=${JSON.stringify(groups)}`] : []),
    ...(Object.keys(extra).length ? [`extra`] : []),
    ...(uids.length ? [`uid`] : []),
  ];
  if (userNames.length === 0)
    throw badRequest(`requested ${requested.join(', ')} without impersonating a user`);
  if (userNames.length > 1) throw badRequest('only one Impersonate-User header may be given');
  if (uids.length > 1) throw badRequest('only one Impersonate-Uid header may be given');
  const username = userNames[0];

  const check = async (a: Omit<Attributes, 'user' | 'verb' | 'isResourceRequest' | 'path'>) => {
    const attrs: Attributes = {
      user,
      verb: 'impersonate',
      isResourceRequest: true,
      path: req.url ?? '/',
      ...a,
    };
    const d = await authorizer.authorize(attrs);
    if (d.decision !== 'allow') throw forbidden(attrs, d.reason);
  };

  const outGroups: string[] = [];
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  if (sa) {
    await check({
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'serviceaccounts',
      namespace: sa[1],
      name: sa[2],
    });
    outGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  } else {
    await check({ apiGroup: '', apiVersion: 'v1', resource: 'users', name: username });
  }
  for (const g of groups) {
    await check({ apiGroup: '', apiVersion: 'v1', resource: 'groups', name: g });
    if (!outGroups.includes(g)) outGroups.push(g);
  }
  for (const [key, values] of Object.entries(extra))
    for (const v of values)
      await check({
        apiGroup: 'authentication.k8s.io',
        apiVersion: 'v1',
        resource: 'userextras',
        subresource: key,
        name: v,
      });
  if (uids.length)
    await check({ apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'uids', name: uids[0] });

  if (username === 'system:anonymous') {
    if (!outGroups.includes('system:unauthenticated')) outGroups.push('system:unauthenticated');
  } else if (!outGroups.includes('system:authenticated')) outGroups.push('system:authenticated');
  return {
    username,
    groups: outGroups,
    ...(uids.length ? { uid: uids[0] } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
