import { KubeClient } from '../../../../src-main/common/client/client';
import type {
  StreamResponse,
  Transport,
  TransportRequest,
  TransportResponse,
} from '../../../../src-main/common/client/transport';
import type { KubeObject } from '../../../../src-main/common/types';

interface Watcher {
  plural: string;
  namespace?: string;
  nodeName?: string;
  push(line: string): void;
  end(): void;
}

/**
 * A small in-memory stand-in for the API server, enough for the kubelet: pods (+status, graceful
 * deletion), nodes (+status), leases, events; list with a spec.nodeName field selector; watch.
 * Only for the kubelet's tests — the containers it leads to are real Docker containers.
 */
export class FakeApi implements Transport {
  readonly objects = new Map<string, KubeObject>();
  private rv = 1;
  private uidSeq = 0;
  private readonly watchers = new Set<Watcher>();
  readonly client = new KubeClient(this);
  /** Every version of every object written, oldest first (to assert on states that pass quickly). */
  readonly history: { plural: string; obj: KubeObject }[] = [];

  private key(plural: string, ns: string | undefined, name: string): string {
    return `${plural}/${ns ?? ''}/${name}`;
  }

  list(plural: string): KubeObject[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${plural}/`)).map(([, v]) => v);
  }

  /** Adds a pod as the API server would after scheduling (defaults applied, nodeName bound). */
  addPod(pod: KubeObject): KubeObject {
    const spec = pod.spec as {
      containers: Record<string, unknown>[];
      restartPolicy?: string;
      terminationGracePeriodSeconds?: number;
    };
    spec.restartPolicy ??= 'Always';
    spec.terminationGracePeriodSeconds ??= 30;
    for (const c of spec.containers)
      c.imagePullPolicy ??= String(c.image).endsWith(':latest') ? 'Always' : 'IfNotPresent';
    pod.metadata.namespace ??= 'default';
    return this.write(
      'pods',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
        ...pod,
      },
      true,
    );
  }

  getPod(name: string, ns = 'default'): KubeObject & { status?: any; spec?: any } {
    return this.objects.get(this.key('pods', ns, name)) as KubeObject;
  }

  /** Starts a graceful deletion like the API server (deletionTimestamp + grace). */
  markDeleted(name: string, ns = 'default', grace?: number): void {
    const pod = structuredClone(this.getPod(name, ns)) as any;
    pod.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    pod.metadata.deletionGracePeriodSeconds =
      grace ?? (pod.spec?.terminationGracePeriodSeconds as number) ?? 30;
    this.write('pods', pod, false);
  }

  private write(plural: string, obj: KubeObject, create: boolean): KubeObject {
    const md = obj.metadata as any;
    if (create) {
      md.uid ??= `uid-${++this.uidSeq}-${Math.random().toString(36).slice(2, 8)}`;
      md.name ??= `${md.generateName ?? 'obj-'}${Math.random().toString(36).slice(2, 7)}`;
      md.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    }
    md.resourceVersion = String(++this.rv);
    this.objects.set(this.key(plural, md.namespace, md.name!), obj);
    this.history.push({ plural, obj: structuredClone(obj) });
    this.notify(plural, create ? 'ADDED' : 'MODIFIED', obj);
    return obj;
  }

  private notify(plural: string, type: string, obj: KubeObject): void {
    for (const w of this.watchers) {
      if (w.plural !== plural) continue;
      if (w.namespace && w.namespace !== obj.metadata.namespace) continue;
      if (w.nodeName && (obj.spec as { nodeName?: string } | undefined)?.nodeName !== w.nodeName) continue;
      w.push(JSON.stringify({ type, object: obj }) + '\n');
    }
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const url = new URL(req.path, 'http://fake');
    const m =
      /^\/(?:api\/v1|apis\/[^/]+\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?(?:\/([a-z]+))?$/.exec(
        url.pathname,
      );
    if (!m) return status(404, 'NotFound', `no route ${req.path}`);
    const [, ns, plural, name, sub] = m as unknown as [
      string,
      string | undefined,
      string,
      string | undefined,
      string | undefined,
    ];
    const key = name ? this.key(plural!, ns, decodeURIComponent(name)) : '';
    const cur = key ? this.objects.get(key) : undefined;
    const body = req.body ? (JSON.parse(req.body) as KubeObject & Record<string, any>) : undefined;
    const ok = (code: number, obj: unknown) => ({ status: code, headers: {}, body: JSON.stringify(obj) });
    switch (req.method) {
      case 'GET': {
        if (name) return cur ? ok(200, cur) : status(404, 'NotFound', `${plural} "${name}" not found`);
        const node = /spec\.nodeName=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
        const items = this.list(plural!).filter(
          (o) =>
            (!ns || o.metadata.namespace === ns) &&
            (!node || (o.spec as { nodeName?: string })?.nodeName === node),
        );
        return ok(200, { kind: 'List', metadata: { resourceVersion: String(this.rv) }, items });
      }
      case 'POST': {
        if (!body) return status(400, 'BadRequest', 'no body');
        body.metadata.namespace ??= ns;
        if (body.metadata.name && this.objects.has(this.key(plural!, ns, body.metadata.name))) {
          return status(409, 'AlreadyExists', `${plural} "${body.metadata.name}" already exists`);
        }
        return ok(201, this.write(plural!, body, true));
      }
      case 'PUT': {
        if (!cur || !body) return status(404, 'NotFound', `${plural} "${name}" not found`);
        if (body.metadata.resourceVersion && body.metadata.resourceVersion !== cur.metadata.resourceVersion) {
          return status(
            409,
            'Conflict',
            'the object has been modified; please apply your changes to the latest version and try again',
          );
        }
        const next =
          sub === 'status'
            ? { ...structuredClone(cur), status: body.status }
            : { ...body, status: cur.status };
        next.metadata =
          sub === 'status' ? next.metadata : { ...cur.metadata, ...body.metadata, uid: cur.metadata.uid };
        return ok(200, this.write(plural!, next as KubeObject, false));
      }
      case 'PATCH': {
        if (!cur || !body) return status(404, 'NotFound', `${plural} "${name}" not found`);
        return ok(200, this.write(plural!, mergePatch(structuredClone(cur), body) as KubeObject, false));
      }
      case 'DELETE': {
        if (!cur) return status(404, 'NotFound', `${plural} "${name}" not found`);
        const uid = body?.preconditions?.uid;
        if (uid && uid !== cur.metadata.uid)
          return status(409, 'Conflict', 'Precondition failed: UID in precondition');
        this.objects.delete(key);
        this.notify(plural!, 'DELETED', cur);
        return ok(200, cur);
      }
    }
    return status(405, 'MethodNotAllowed', req.method);
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    const url = new URL(req.path, 'http://fake');
    const m = /^\/(?:api\/v1|apis\/[^/]+\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(url.pathname);
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const w: Watcher = {
      plural: m?.[2] ?? '',
      namespace: m?.[1],
      nodeName: /spec\.nodeName=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1],
      push: (line) => {
        queue.push(line);
        wake?.();
      },
      end: () => {
        ended = true;
        wake?.();
      },
    };
    this.watchers.add(w);
    req.signal?.addEventListener('abort', () => w.end());
    const watchers = this.watchers;
    async function* chunks(): AsyncIterable<string> {
      try {
        while (!ended) {
          if (queue.length) yield queue.shift()!;
          else await new Promise<void>((r) => (wake = r));
        }
      } finally {
        watchers.delete(w);
      }
    }
    return { status: 200, headers: {}, chunks: chunks() };
  }

  /** Ends every open watch (test teardown). */
  close(): void {
    for (const w of this.watchers) w.end();
  }
}

function status(code: number, reason: string, message: string): TransportResponse {
  return {
    status: code,
    headers: {},
    body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }),
  };
}

function mergePatch(target: any, patch: any): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
