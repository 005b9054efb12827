import type { Status, StatusCause } from 'kubernetes-types/meta/v1';
import type { ResourceType } from '../../common/resources';

/**
 * An error that the API server answers with as a Kubernetes Status body. Every failure in the
 * API path is one of these; anything else is a bug and becomes a 500 InternalError.
 */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Status['details'],
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status & { kind: 'Status'; apiVersion: 'v1' } {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: orderedDetails(this.details) } : {}),
      code: this.code,
    };
  }
}

/**
 * StatusDetails with its keys in the order of the Go struct (name, group, kind, uid, causes,
 * retryAfterSeconds) and empty values left out, as `omitempty` does: byte-for-byte what
 * kube-apiserver writes, whatever order a call site built the object in.
 */
function orderedDetails(d: NonNullable<Status['details']>): NonNullable<Status['details']> {
  const out: NonNullable<Status['details']> = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes?.length) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

/** `pods` or `deployments.apps`, as Kubernetes names a resource in messages. */
export function qualifiedResource(t: Pick<ResourceType, 'plural' | 'group'>): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

function details(t: Pick<ResourceType, 'plural' | 'group'>, name?: string): Status['details'] {
  return { name, group: t.group || undefined, kind: t.plural };
}

/**
 * The 404 for a path no route serves — an unknown resource, a subresource the kind lacks, a
 * cluster-scoped resource under /namespaces/{ns}: go-restful's "route not found" as
 * kube-apiserver renders it (NotFound, no name, `details: {}`).
 */
export const pathNotFound = () =>
  new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});

export const notFound = (t: Pick<ResourceType, 'plural' | 'group'>, name: string) =>
  new StatusError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, details(t, name));

export const alreadyExists = (t: Pick<ResourceType, 'plural' | 'group'>, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, details(t, name));

export const conflict = (
  t: Pick<ResourceType, 'plural' | 'group'>,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
) =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`,
    details(t, name),
  );

/** 422 Invalid; with several causes the message lists them in brackets, as the real server does. */
export const invalid = (kind: string, name: string, group: string, causes: StatusCause[]) => {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${list}`, {
    name,
    group,
    kind,
    causes,
  });
};

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);

export const gone = (message: string) => new StatusError(410, 'Expired', message);

export const unauthorized = () => new StatusError(401, 'Unauthorized', 'Unauthorized');

export const methodNotAllowed = (
  message = 'the server does not allow this method on the requested resource',
) => new StatusError(405, 'MethodNotAllowed', message);

export const tooLarge = (limit: number) =>
  new StatusError(413, 'RequestEntityTooLarge', `the request body is too large: limit is ${limit} bytes`);

export const unsupportedMediaType = (ct: string) =>
  new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${ct})`,
  );

/** 507: the store's disk is full; the write was not made (etcd's "database space exceeded" role). */
export const insufficientStorage = (message: string) =>
  new StatusError(507, 'InsufficientStorage', message, { retryAfterSeconds: 5 });

export const internalError = (message: string) =>
  new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);
