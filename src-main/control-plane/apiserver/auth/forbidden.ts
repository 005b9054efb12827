/**
 * The 403 Status kube-apiserver answers when authorization denies a request
 * (endpoints/handlers/responsewriters.Forbidden over apierrors.NewForbidden): the message names
 * the user, verb and resource (with its subresource) or path, and the scope; RBAC's reason, when
 * it has one, follows after a colon.
 */
import type { Attributes } from './types';
import { StatusError } from '../status';

/** forbiddenMessage: `User "u" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.username;
  if (!a.isResourceRequest)
    return `User ${JSON.stringify(user)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  const head = `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup ?? '')}`;
  return a.namespace
    ? `${head} in the namespace ${JSON.stringify(a.namespace)}`
    : `${head} at the cluster scope`;
}

/**
 * apierrors.NewForbidden(groupResource, name, err): `pods "x" is forbidden: …`, `pods is
 * forbidden: …` without a name, `forbidden: …` without a resource; details {name, group, kind}.
 */
export function forbiddenError(
  group: string,
  resource: string,
  name: string | undefined,
  message: string,
): StatusError {
  const qualified = resource ? (group ? `${resource}.${group}` : resource) : '';
  const subject = !qualified
    ? 'forbidden'
    : name
      ? `${qualified} ${JSON.stringify(name)} is forbidden`
      : `${qualified} is forbidden`;
  return new StatusError(403, 'Forbidden', `${subject}: ${message}`, {
    name: name || undefined,
    group: group || undefined,
    kind: resource || undefined,
  });
}

/** The 403 for a denied request (responsewriters.Forbidden). */
export function forbidden(a: Attributes, reason?: string): StatusError {
  const msg = forbiddenMessage(a);
  return forbiddenError(
    a.isResourceRequest ? (a.apiGroup ?? '') : '',
    a.isResourceRequest ? (a.resource ?? '') : '',
    a.name,
    reason ? `${msg}: ${reason}` : msg,
  );
}
