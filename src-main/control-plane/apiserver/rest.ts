/**
 * The REST router (Kubernetes' endpoints/installer): sends a parsed resource request to the
 * handler of its verb in handlers/ — get, list, watch, create, update, patch, delete,
 * deletecollection — or of its subresource. The handlers run the kind's strategy for defaulting,
 * validation, status handling and kind-specific deletion and subresources, and answer with
 * objects, Lists, Tables, watch streams or Status errors.
 */
import { boolParam } from './http';
import { strategyFor, type Strategy } from './registry';
import type { ResourceRequest } from './request';
import { methodNotAllowed, pathNotFound } from './status';
import type { RestDeps } from './handlers/common';
import { create } from './handlers/create';
import { deleteObject } from './handlers/delete';
import { deleteCollection } from './handlers/deletecollection';
import { get } from './handlers/get';
import { list } from './handlers/list';
import { patch } from './handlers/patch';
import { connect, runAction } from './handlers/subresources';
import { update } from './handlers/update';
import { watch } from './handlers/watch';

export type { RestDeps } from './handlers/common';

/** The generic resource handler. */
export class RestHandler {
  constructor(private readonly deps: RestDeps) {}

  /** Dispatches one resource request. Throws StatusError for the caller to render. */
  async handle(r: ResourceRequest): Promise<void> {
    const method = r.req.method ?? 'GET';
    const s = strategyFor(r.type);
    if (r.subresource) return this.handleSubresource(r, s, method);
    if (r.name === undefined) {
      if (method === 'GET')
        return boolParam(r.query, 'watch') ? watch(this.deps, r, s) : list(this.deps, r, s);
      if (method === 'POST') return create(this.deps, r, s);
      if (method === 'DELETE') return deleteCollection(this.deps, r, s);
      throw methodNotAllowed();
    }
    switch (method) {
      case 'GET':
        return get(this.deps, r, s);
      case 'PUT':
        return update(this.deps, r, s);
      case 'PATCH':
        return patch(this.deps, r, s);
      case 'DELETE':
        return deleteObject(this.deps, r, s);
      default:
        throw methodNotAllowed();
    }
  }

  private async handleSubresource(r: ResourceRequest, s: Strategy, method: string): Promise<void> {
    const sub = r.subresource!;
    // No such route (kube-apiserver installs one per served subresource).
    if (!(r.type.subresources ?? []).includes(sub)) throw pathNotFound();
    // Views of the object itself go through the ordinary verbs.
    if (sub === 'status' || sub === 'scale' || sub === 'ephemeralcontainers') {
      if (method === 'GET') return get(this.deps, r, s);
      if (method === 'PUT') return update(this.deps, r, s);
      if (method === 'PATCH') return patch(this.deps, r, s);
      throw methodNotAllowed();
    }
    // The kind's own subresources (pods/binding, namespaces/finalize, pods/log …).
    const action = s.actions?.[sub];
    if (action && action.method === method) return runAction(this.deps, r, s, action);
    const how = s.connect?.[sub];
    if (((how === 'log' || how === 'proxy') && method === 'GET') || how === 'upgrade')
      return connect(this.deps, r, how);
    throw methodNotAllowed();
  }
}
