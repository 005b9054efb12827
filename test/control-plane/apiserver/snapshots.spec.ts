// The API server's snapshot endpoint over HTTPS: POST saves into <dataDir>/backups, GET lists latest first and downloads a verifiable file; errors are Status bodies with the right code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import {
  SNAPSHOTS_PATH,
  snapshotPath,
  type SnapshotEntry,
  type SnapshotList,
} from '../../../src-main/common/snapshot-api';
import { decodeSnapshotFile } from '../../../src-main/control-plane/store/snapshot';
import { startApi, type TestApi } from './helpers';

describe('/apis/skiff.dev/v1/snapshots', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startApi();
    await t.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'snap' } });
    await t.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'one', namespace: 'snap' },
      data: { a: 'ünïcødé ✓' },
    });
  });
  afterAll(() => t?.stop());

  it('POST saves a snapshot of the store into <dataDir>/backups and answers what it saved', async () => {
    const res = await t.request({ method: 'POST', path: SNAPSHOTS_PATH });
    expect(res.status).toBe(201);
    const e = JSON.parse(res.body) as SnapshotEntry;
    expect(e.name).toMatch(/^skiff-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.snap$/);
    expect(e.file).toBe(path.join(t.dataDir, 'backups', e.name));
    expect(e.bytes).toBe(fs.statSync(e.file).size);
    expect(e.revision).toBe(await t.backend.currentRevision());
    expect(e.objects).toBe((await t.backend.list('', '', 0, 0)).count);
    expect(Date.parse(e.createdAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('GET lists the backups latest first, and downloads one byte for byte', async () => {
    await t.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'two', namespace: 'snap' },
    });
    const second = JSON.parse(
      (await t.request({ method: 'POST', path: SNAPSHOTS_PATH })).body,
    ) as SnapshotEntry;
    const list = await t.client.raw<SnapshotList>({ method: 'GET', path: SNAPSHOTS_PATH });
    expect(list.kind).toBe('SnapshotList');
    expect(list.items.length).toBe(2);
    expect(list.items[0]).toEqual(second);
    expect(list.items[1].revision).toBeLessThan(second.revision);

    const dl = await t.request({ method: 'GET', path: snapshotPath(second.name) });
    expect(dl.status).toBe(200);
    expect(dl.headers['content-type']).toBe('application/octet-stream');
    expect(dl.headers['content-disposition']).toBe(`attachment; filename="${second.name}"`);
    const buf = Buffer.from(dl.body, 'utf8');
    expect(buf.equals(fs.readFileSync(second.file))).toBe(true);
    const snap = decodeSnapshotFile(second.name, buf);
    expect(snap.kvs.find((kv) => kv.key.endsWith('/snap/one'))?.value).toContain('ünïcødé ✓');
  });

  it('a damaged backup is listed with its error', async () => {
    fs.writeFileSync(path.join(t.dataDir, 'backups', 'skiff-0000-broken.snap'), 'garbage\n');
    const list = await t.client.raw<SnapshotList>({ method: 'GET', path: SNAPSHOTS_PATH });
    const bad = list.items.find((e) => e.name === 'skiff-0000-broken.snap');
    expect(bad?.error).toMatch(/not a Skiff snapshot/);
    fs.rmSync(bad!.file);
  });

  it('answers errors as Status: 401 without the token, 404 for an unknown or foreign name, 405 for other verbs', async () => {
    const status = (body: string) =>
      JSON.parse(body) as { kind: string; code: number; reason: string; message: string };
    const anon = await t.request({ method: 'POST', path: SNAPSHOTS_PATH, token: '' });
    expect(anon.status).toBe(401);
    expect(status(anon.body)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    const missing = await t.request({ method: 'GET', path: snapshotPath('skiff-nope.snap') });
    expect(missing.status).toBe(404);
    expect(status(missing.body)).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'snapshots.skiff.dev "skiff-nope.snap" not found',
    });
    for (const name of ['../token', '..%2F..%2Ftoken', 'token']) {
      const r = await t.request({ method: 'GET', path: `${SNAPSHOTS_PATH}/${name}` });
      expect(r.status).toBe(404);
      expect(r.body).not.toContain(t.token);
    }
    const del = await t.request({ method: 'DELETE', path: SNAPSHOTS_PATH });
    expect(del.status).toBe(405);
    expect(status(del.body)).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
    // Not in discovery: kubectl never sees it as a resource.
    expect((await t.request({ method: 'GET', path: '/apis' })).body).not.toContain('skiff.dev');
  });
});
