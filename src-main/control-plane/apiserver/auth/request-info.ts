/**
 * What a request asks to do, from its method, path and query alone — k8s.io/apiserver's
 * endpoints/request.RequestInfoFactory. Authorization (RBAC, impersonation) decides on these
 * attributes before any route runs, so they must not depend on what is served: an unknown
 * resource is still a resource request (and a 403 comes before the 404), as upstream.
 */
import { parseBool } from '../../../common/parse-bool';

/** The request-derived part of authorizer.Attributes (everything but the user). */
export interface RequestInfo {
  isResourceRequest: boolean;
  /** The URL path (what non-resource rules match). */
  path: string;
  verb: string;
  apiPrefix?: string;
  apiGroup?: string;
  apiVersion?: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_PREFIXES = new Set(['api']);
/** Verbs that prefix a resource path (/api/v1/watch/pods, /api/v1/proxy/...). */
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
/** Subresources of the Namespace object itself: /namespaces/{name}/status is not a resource `status` in namespace {name}. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const METHOD_VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** A path segment valid as an object name (path.IsValidPathSegmentName). */
function validSegmentName(s: string): boolean {
  return s !== '.' && s !== '..' && !s.includes('/') && !s.includes('%');
}

/** The single `metadata.name=x` (or `==`) term of a field selector, if it requires one. */
function exactName(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(',')) {
    const m = /^\s*metadata\.name\s*(==|=)\s*(.*?)\s*$/.exec(term);
    if (m) return m[2];
  }
  return undefined;
}

/** Resolves a request's attributes (RequestInfoFactory.NewRequestInfo). */
export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase() };
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  let parts = trimmed === '' ? [] : trimmed.split('/');
  try {
    parts = parts.map((p) => decodeURIComponent(p));
  } catch {
    return nonResource;
  }
  // /api/v1/pods is the shortest resource path; /apis/{g}/{v}/{r} below.
  if (parts.length < 3 || !API_PREFIXES.has(parts[0])) return nonResource;
  const info: RequestInfo = { isResourceRequest: false, path, verb: '', apiPrefix: parts[0] };
  parts = parts.slice(1);
  if (!GROUPLESS_PREFIXES.has(info.apiPrefix!)) {
    if (parts.length < 3) return nonResource;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  } else info.apiGroup = '';
  info.isResourceRequest = true;
  info.apiVersion = parts[0];
  parts = parts.slice(1);
  if (SPECIAL_VERBS.has(parts[0])) {
    if (parts.length < 2) return nonResource;
    info.verb = parts[0];
    parts = parts.slice(1);
  } else info.verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      // /namespaces/{ns}/{resource}…, unless it is the namespace's own subresource.
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  if (parts.length >= 3 && info.verb !== 'proxy') info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];
  if (!info.name && info.verb === 'get') {
    const w = query.get('watch');
    info.verb = w !== null && parseBool(w) ? 'watch' : 'list';
    const n = exactName(query.get('fieldSelector'));
    if (n && validSegmentName(n)) info.name = n;
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}
