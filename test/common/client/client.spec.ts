import { describe, expect, it } from 'vitest';
import { KubeClient, parseJsonLines, resourcePath } from '../../../src-main/common/client/client';
import {
  ApiError,
  errorFromResponse,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isNotFound,
} from '../../../src-main/common/client/errors';
import type {
  StreamResponse,
  Transport,
  TransportRequest,
  TransportResponse,
} from '../../../src-main/common/client/transport';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { FakeApi } from '../../control-plane/helpers/fake-api';

/** Records every request and answers with a canned response: the client's wire format, exactly. */
class RecordingTransport implements Transport {
  readonly requests: TransportRequest[] = [];
  constructor(
    private answer: TransportResponse = { status: 200, headers: {}, body: '{}' },
    private chunks: string[] = [],
  ) {}
  async request(req: TransportRequest): Promise<TransportResponse> {
    this.requests.push(req);
    return this.answer;
  }
  async stream(req: TransportRequest): Promise<StreamResponse> {
    this.requests.push(req);
    const chunks = this.chunks;
    return {
      status: this.answer.status,
      headers: {},
      chunks: (async function* () {
        yield* chunks;
      })(),
    };
  }
}

const pod = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  ...extra,
});

describe('resourcePath', () => {
  it('builds core, group, namespaced, cluster-scoped and subresource paths', () => {
    expect(resourcePath(R.pods, 'default')).toBe('/api/v1/namespaces/default/pods');
    expect(resourcePath(R.deployments, 'ns', 'web', 'scale')).toBe(
      '/apis/apps/v1/namespaces/ns/deployments/web/scale',
    );
    expect(resourcePath(R.nodes, 'ignored', 'n1')).toBe('/api/v1/nodes/n1');
    expect(resourcePath(R.pods)).toBe('/api/v1/pods');
    expect(resourcePath(R.configmaps, 'a b', 'x/y')).toBe('/api/v1/namespaces/a%20b/configmaps/x%2Fy');
  });
});

describe('KubeClient on the wire', () => {
  it('list sends selectors, limit and continue as query parameters', async () => {
    const t = new RecordingTransport({ status: 200, headers: {}, body: '{"items":[],"metadata":{}}' });
    await new KubeClient(t).list(R.pods, {
      namespace: 'default',
      labelSelector: 'app=web,tier in (a,b)',
      fieldSelector: 'spec.nodeName=n1',
      limit: 500,
      continue: 'tok',
    });
    expect(t.requests[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb%2Ctier%20in%20(a%2Cb)&fieldSelector=spec.nodeName%3Dn1&limit=500&continue=tok',
      headers: { Accept: 'application/json' },
    });
  });

  it('create, update, status, patch and delete use the right verb, path, body and content type', async () => {
    const t = new RecordingTransport();
    const c = new KubeClient(t);
    await c.create(R.pods, pod('p'), { dryRun: true, fieldManager: 'me' });
    await c.update(R.pods, pod('p'));
    await c.updateStatus(R.pods, pod('p'));
    await c.patch(R.deployments, 'web', 'default', { spec: { replicas: 2 } }, 'strategic');
    await c.delete(R.pods, 'p', 'default', { propagationPolicy: 'Foreground', preconditions: { uid: 'u1' } });
    const [create, update, status, patch, del] = t.requests;
    expect(create).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces/default/pods?dryRun=All&fieldManager=me',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(JSON.parse(create.body!)).toEqual(pod('p'));
    expect(update).toMatchObject({ method: 'PUT', path: '/api/v1/namespaces/default/pods/p' });
    expect(status).toMatchObject({ method: 'PUT', path: '/api/v1/namespaces/default/pods/p/status' });
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/default/deployments/web',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: '{"spec":{"replicas":2}}',
    });
    expect(del.method).toBe('DELETE');
    expect(JSON.parse(del.body!)).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u1' },
    });
  });

  it('a non-2xx answer throws one ApiError carrying the server Status; predicates classify it', async () => {
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 410,
      reason: 'Expired',
      message: 'too old',
    };
    const c = new KubeClient(
      new RecordingTransport({ status: 410, headers: {}, body: JSON.stringify(status) }),
    );
    const err = await c.get(R.pods, 'p', 'default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 410, reason: 'Expired', message: 'too old' });
    expect(isGone(err)).toBe(true);
    expect(isNotFound(err)).toBe(false);

    // A body that is not a Status (a proxy's HTML page) still becomes a readable ApiError.
    const c2 = new KubeClient(
      new RecordingTransport({ status: 502, headers: {}, body: '<html>bad gateway</html>' }),
    );
    await expect(c2.get(R.pods, 'p', 'default')).rejects.toMatchObject({
      code: 502,
      message: '<html>bad gateway</html>',
    });
  });

  it('against an API: NotFound, AlreadyExists and Conflict (stale resourceVersion) are told apart', async () => {
    const api = new FakeApi();
    const c = api.client;
    const created = await c.create(R.pods, pod('p'));
    expect(created.metadata.uid).toBeTruthy();
    expect(isNotFound(await c.get(R.pods, 'nope', 'default').catch((e: unknown) => e))).toBe(true);
    expect(isAlreadyExists(await c.create(R.pods, pod('p')).catch((e: unknown) => e))).toBe(true);
    const fresh = await c.update(R.pods, {
      ...created,
      metadata: { ...created.metadata, labels: { a: '1' } },
    });
    expect(fresh.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    const stale = await c
      .update(R.pods, { ...created, metadata: { ...created.metadata, labels: { a: '2' } } })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect(isAlreadyExists(stale)).toBe(false);
  });
});

describe('watch', () => {
  it('sends watch=true with the resourceVersion and yields events split across chunks', async () => {
    const ev = (type: string, name: string, rv: string) =>
      JSON.stringify({
        type,
        object: pod(name, { metadata: { name, namespace: 'default', resourceVersion: rv } }),
      });
    const whole = `${ev('ADDED', 'a', '5')}\n${ev('MODIFIED', 'a', '6')}\n${ev('DELETED', 'a', '7')}`;
    const t = new RecordingTransport({ status: 200, headers: {}, body: '' }, [
      whole.slice(0, 17),
      whole.slice(17, 90),
      whole.slice(90),
    ]);
    const events: string[] = [];
    for await (const e of new KubeClient(t).watch(R.pods, {
      namespace: 'default',
      resourceVersion: '4',
      allowWatchBookmarks: true,
    }))
      events.push(`${e.type} ${e.object.metadata.resourceVersion}`);
    expect(events).toEqual(['ADDED 5', 'MODIFIED 6', 'DELETED 7']);
    expect(t.requests[0].path).toBe(
      '/api/v1/namespaces/default/pods?watch=true&resourceVersion=4&allowWatchBookmarks=true',
    );
  });

  it('a watch refused with an HTTP error throws the ApiError', async () => {
    const body = JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' });
    const t = new RecordingTransport({ status: 403, headers: {}, body: '' }, [body]);
    const it = new KubeClient(t).watch(R.pods)[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ code: 403, reason: 'Forbidden' });
  });

  it('parseJsonLines handles a final line without newline and blank lines', async () => {
    const out: unknown[] = [];
    for await (const v of parseJsonLines(
      (async function* () {
        yield '{"a":1}\n\n{"b"';
        yield ':2}';
      })(),
    ))
      out.push(v);
    expect(out).toEqual([{ a: 1 }, { b: 2 }]);
  });
});

describe('error Status mapping', () => {
  const status = (code: number, reason: string, extra: object = {}) => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason,
    message: `${reason} happened`,
    ...extra,
  });
  const predicates = { isNotFound, isAlreadyExists, isConflict, isGone, isForbidden };
  type Pred = keyof typeof predicates;
  const answer = (status: number, body: string) =>
    new KubeClient(new RecordingTransport({ status, headers: {}, body }));

  it.each<[number, string, Pred | undefined]>([
    [404, 'NotFound', 'isNotFound'],
    [409, 'AlreadyExists', 'isAlreadyExists'],
    [409, 'Conflict', 'isConflict'],
    [410, 'Gone', 'isGone'],
    [410, 'Expired', 'isGone'],
    [403, 'Forbidden', 'isForbidden'],
    [422, 'Invalid', undefined],
    [429, 'TooManyRequests', undefined],
    [500, 'InternalError', undefined],
  ])(
    'HTTP %i %s: one ApiError with the server Status, and only its predicate holds',
    async (code, reason, pred) => {
      const body = status(code, reason);
      const err = await answer(code, JSON.stringify(body))
        .get(R.pods, 'p', 'default')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ name: 'ApiError', code, reason, message: `${reason} happened` });
      expect((err as ApiError).status).toEqual(body);
      for (const [name, p] of Object.entries(predicates))
        expect([name, p(err)]).toEqual([name, name === pred]);
    },
  );

  it('keeps the details of the Status (the causes of an Invalid) for writes too', async () => {
    const causes = [{ type: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }];
    const body = status(422, 'Invalid', { details: { name: 'p', kind: 'pods', causes } });
    const err = (await answer(422, JSON.stringify(body))
      .create(R.pods, pod('p'))
      .catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe(422);
    expect(err.status.details?.causes).toEqual(causes);
  });

  it('the HTTP code wins over a code in the body', () => {
    const err = errorFromResponse(404, JSON.stringify(status(500, 'NotFound')));
    expect(err.code).toBe(404);
    expect(isNotFound(err)).toBe(true);
  });

  it.each<[string, number, string, string]>([
    ['an empty body', 503, '', 'HTTP 503'],
    ['JSON that is not a Status', 500, '{"error":"boom"}', '{"error":"boom"}'],
    ['a long text body, cut at 500 characters', 502, 'x'.repeat(800), 'x'.repeat(500)],
  ])('%s becomes a synthetic Failure Status', (_what, code, body, message) => {
    const err = errorFromResponse(code, body);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe(message);
    expect(err.reason).toBeUndefined();
    expect(err.status).toEqual({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message });
  });

  it('predicates are false for anything but an ApiError', () => {
    const lookalike = Object.assign(new Error('not found'), { code: 404, reason: 'NotFound' });
    for (const p of Object.values(predicates)) {
      expect(p(lookalike)).toBe(false);
      expect(p(undefined)).toBe(false);
    }
  });
});
