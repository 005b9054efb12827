import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject, WatchEvent } from '../../../src-main/common/types';
import {
  DecryptError,
  ensureEncryption,
  importEncryptionKeys,
  newEncryptionConfig,
  reencryptStale,
  transformerFromConfig,
  undecryptableKeys,
  type EncryptionConfiguration,
} from '../../../src-main/control-plane/apiserver/encryption';
import { ObjectStore } from '../../../src-main/control-plane/apiserver/object-storage';
import { StatusError } from '../../../src-main/control-plane/apiserver/status';
import { MemoryBackend } from '../../../src-main/control-plane/store/wal-backend';

const KEY = '/registry/secrets/default/s';
const secretJson = JSON.stringify({ kind: 'Secret', data: { password: 'c2VjcmV0LXZhbHVl' } });

function config(...keys: { name: string; secret: string }[]): EncryptionConfiguration {
  return {
    kind: 'EncryptionConfiguration',
    apiVersion: 'apiserver.config.k8s.io/v1',
    resources: [{ resources: ['secrets'], providers: [{ aesgcm: { keys } }, { identity: {} }] }],
  };
}
const key = (name: string) => ({ name, secret: randomBytes(32).toString('base64') });

describe('aesgcm value transformer', () => {
  it('round-trips, with the upstream prefix, a fresh nonce per write and no plain text', () => {
    const t = transformerFromConfig(config(key('key1')));
    const a = t.toStorage(KEY, secretJson);
    const b = t.toStorage(KEY, secretJson);
    expect(a.startsWith('k8s:enc:aesgcm:v1:key1:')).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain('c2VjcmV0LXZhbHVl');
    expect(a).not.toContain('Secret');
    expect(t.fromStorage(KEY, a)).toBe(secretJson);
    expect(t.fromStorage(KEY, b)).toBe(secretJson);
  });

  it('leaves other resources plain and reads plain values (migration)', () => {
    const t = transformerFromConfig(config(key('key1')));
    expect(t.toStorage('/registry/configmaps/default/c', '{"a":1}')).toBe('{"a":1}');
    expect(t.fromStorage(KEY, secretJson)).toBe(secretJson);
    expect(t.isStale(KEY, secretJson)).toBe(true);
    expect(t.isStale('/registry/configmaps/default/c', '{"a":1}')).toBe(false);
  });

  it('refuses a tampered value, one moved under another key and one of an unknown key', () => {
    const t = transformerFromConfig(config(key('key1')));
    const enc = t.toStorage(KEY, secretJson);
    const raw = Buffer.from(enc.slice('k8s:enc:aesgcm:v1:key1:'.length), 'base64');
    raw[20] ^= 1;
    const tampered = 'k8s:enc:aesgcm:v1:key1:' + raw.toString('base64');
    expect(() => t.fromStorage(KEY, tampered)).toThrow(DecryptError);
    expect(() => t.fromStorage(KEY, tampered)).toThrow(/message authentication failed/);
    // The storage key is the additional data: the same ciphertext under another name fails.
    expect(() => t.fromStorage('/registry/secrets/default/other', enc)).toThrow(/authentication failed/);
    const other = transformerFromConfig(config(key('key2')));
    expect(() => other.fromStorage(KEY, enc)).toThrow(/key "key1", which is not in the encryption config/);
    // The same name with a different secret: the wrong key.
    const wrong = transformerFromConfig(config(key('key1')));
    expect(() => wrong.fromStorage(KEY, enc)).toThrow(/authentication failed/);
  });

  it('rotates: the first key writes, older keys still decrypt, and values of old keys are stale', () => {
    const k1 = key('key1');
    const k2 = key('key2');
    const before = transformerFromConfig(config(k1));
    const old = before.toStorage(KEY, secretJson);
    const after = transformerFromConfig(config(k2, k1));
    expect(after.fromStorage(KEY, old)).toBe(secretJson);
    expect(after.isStale(KEY, old)).toBe(true);
    const fresh = after.toStorage(KEY, secretJson);
    expect(fresh.startsWith('k8s:enc:aesgcm:v1:key2:')).toBe(true);
    expect(after.isStale(KEY, fresh)).toBe(false);
  });

  it('rejects malformed configurations with a message naming the problem', () => {
    expect(() => transformerFromConfig(config({ name: 'k', secret: 'c2hvcnQ=' }))).toThrow(/32 bytes/);
    expect(() => transformerFromConfig(config({ name: '', secret: key('x').secret }))).toThrow(
      /needs a name/,
    );
    expect(() => transformerFromConfig({} as EncryptionConfiguration)).toThrow(/EncryptionConfiguration/);
  });

  it('resolves group resources and wildcards to their storage prefixes', () => {
    const cfg = config(key('k'));
    cfg.resources[0].resources = ['configmaps', 'deployments.apps', '*.batch'];
    const t = transformerFromConfig(cfg);
    expect(t.toStorage('/registry/configmaps/ns/a', 'x')).toMatch(/^k8s:enc:/);
    expect(t.toStorage('/registry/apps/deployments/ns/a', 'x')).toMatch(/^k8s:enc:/);
    expect(t.toStorage('/registry/batch/jobs/ns/a', 'x')).toMatch(/^k8s:enc:/);
    expect(t.toStorage('/registry/apps/replicasets/ns/a', 'x')).toBe('x');
    expect(t.toStorage('/registry/secrets/ns/a', 'x')).toBe('x');
  });
});

describe('the data dir key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-enc-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is made on first start with a random 32-byte key, mode 0600, and reused after', () => {
    const a = ensureEncryption(dir);
    expect(a.created).toBe(true);
    expect(fs.statSync(a.file).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(fs.readFileSync(a.file, 'utf8')) as EncryptionConfiguration;
    const p = cfg.resources[0].providers[0] as { aesgcm: { keys: { secret: string }[] } };
    expect(Buffer.from(p.aesgcm.keys[0].secret, 'base64')).toHaveLength(32);
    const stored = a.transformer.toStorage(KEY, secretJson);
    fs.chmodSync(a.file, 0o644);
    const b = ensureEncryption(dir);
    expect(b.created).toBe(false);
    expect(fs.statSync(b.file).mode & 0o777).toBe(0o600);
    expect(b.transformer.fromStorage(KEY, stored)).toBe(secretJson);
  });

  it('imports another data dir’s keys as read-only keys, refusing a clashing name', () => {
    const mine = ensureEncryption(dir);
    const theirs = newEncryptionConfig('old');
    const theirStored = transformerFromConfig(theirs).toStorage(KEY, secretJson);
    expect(undecryptableKeys([{ key: KEY, value: theirStored }], mine.transformer)).toHaveLength(1);
    expect(importEncryptionKeys(dir, theirs)).toEqual(['old']);
    expect(importEncryptionKeys(dir, theirs)).toEqual([]);
    const merged = ensureEncryption(dir).transformer;
    expect(merged.fromStorage(KEY, theirStored)).toBe(secretJson);
    expect(merged.toStorage(KEY, secretJson).startsWith('k8s:enc:aesgcm:v1:key1:')).toBe(true);
    expect(undecryptableKeys([{ key: KEY, value: theirStored }], merged)).toEqual([]);
    expect(() => importEncryptionKeys(dir, newEncryptionConfig('key1'))).toThrow(
      /different key named "key1"/,
    );
  });
});

describe('ObjectStore with encryption at rest', () => {
  const secret = (name: string, value: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: { password: Buffer.from(value).toString('base64') },
  });

  it('stores secrets encrypted, reads them back, and leaves configmaps plain', async () => {
    const backend = new MemoryBackend();
    await backend.start();
    const t = transformerFromConfig(config(key('key1')));
    const store = new ObjectStore(backend, { transformer: t });
    await store.create(R.secrets, secret('s', 'hunter2-value'));
    await store.create(R.configmaps, { metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } });
    const raw = await backend.get(KEY);
    expect(raw.kv!.value.startsWith('k8s:enc:aesgcm:v1:key1:')).toBe(true);
    expect(raw.kv!.value).not.toContain(Buffer.from('hunter2-value').toString('base64'));
    expect((await backend.get('/registry/configmaps/default/c')).kv!.value).toContain('"a":"b"');
    const got = await store.get(R.secrets, 'default', 's');
    expect(got.data).toEqual({ password: Buffer.from('hunter2-value').toString('base64') });
    await store.guaranteedUpdate(R.secrets, 'default', 's', (cur) => ({
      ...cur!,
      data: { password: 'bmV3' },
    }));
    expect((await backend.get(KEY)).kv!.value.startsWith('k8s:enc:')).toBe(true);
    const list = await store.list(R.secrets, { namespace: 'default' });
    expect(list.items.map((i) => i.data)).toEqual([{ password: 'bmV3' }]);
    await backend.close();
  });

  it('answers a 500 naming the object when a value does not decrypt, and keeps serving others', async () => {
    const backend = new MemoryBackend();
    await backend.start();
    const store1 = new ObjectStore(backend, { transformer: transformerFromConfig(config(key('key1'))) });
    await store1.create(R.secrets, secret('s', 'one'));
    // Another process with another key (a wrong key file) reads the same store.
    const store2 = new ObjectStore(backend, { transformer: transformerFromConfig(config(key('key1'))) });
    await store2.create(R.secrets, secret('t', 'two'));
    const err = await store2.get(R.secrets, 'default', 's').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(500);
    expect((err as StatusError).message).toMatch(
      /unable to transform key "\/registry\/secrets\/default\/s": cipher: message authentication failed/,
    );
    expect((await store2.get(R.secrets, 'default', 't')).data).toEqual({ password: 'dHdv' });
    await expect(store2.list(R.secrets, {})).rejects.toThrow(/unable to transform key/);

    // A watch gets the ERROR event instead of the unreadable object.
    const events: WatchEvent[] = [];
    const list = await store2.list(R.configmaps, {});
    const w = await store2.watch(R.secrets, { resourceVersion: list.metadata.resourceVersion }, (ev) =>
      events.push(ev),
    );
    await store1.guaranteedUpdate(R.secrets, 'default', 's', (cur) => ({ ...cur!, data: { x: 'eQ==' } }));
    await new Promise((r) => setTimeout(r, 50));
    w.stop();
    expect(events.map((e) => e.type)).toEqual(['ERROR']);
    expect(JSON.stringify(events[0].object)).toMatch(/unable to transform key/);
    await backend.close();
  });

  it('re-encrypts plain values and values of an old key on start, keeping the objects', async () => {
    const backend = new MemoryBackend();
    await backend.start();
    const plainStore = new ObjectStore(backend);
    await plainStore.create(R.secrets, secret('plain', 'p'));
    const k1 = key('key1');
    const k2 = key('key2');
    await new ObjectStore(backend, { transformer: transformerFromConfig(config(k1)) }).create(
      R.secrets,
      secret('old', 'o'),
    );
    // An undecryptable value (written with a key nobody has) is reported and left alone.
    await new ObjectStore(backend, { transformer: transformerFromConfig(config(key('lost'))) }).create(
      R.secrets,
      secret('lost', 'l'),
    );
    await plainStore.create(R.configmaps, { metadata: { name: 'c', namespace: 'default' } });
    const before = await plainStore.get(R.secrets, 'default', 'plain');

    const t = transformerFromConfig(config(k2, k1));
    const res = await reencryptStale(backend, t);
    expect(res.rewritten).toBe(2);
    expect(res.undecryptable.map((u) => u.key)).toEqual(['/registry/secrets/default/lost']);
    for (const n of ['plain', 'old'])
      expect((await backend.get(`/registry/secrets/default/${n}`)).kv!.value).toMatch(
        /^k8s:enc:aesgcm:v1:key2:/,
      );
    expect((await backend.get('/registry/configmaps/default/c')).kv!.value).toMatch(/^\{/);
    const store = new ObjectStore(backend, { transformer: t });
    const after = await store.get(R.secrets, 'default', 'plain');
    expect({ ...after, metadata: { ...after.metadata, resourceVersion: '' } }).toEqual({
      ...before,
      metadata: { ...before.metadata, resourceVersion: '' },
    });
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect((await store.get(R.secrets, 'default', 'old')).data).toEqual({ password: 'bw==' });
    // Nothing stale is left: a second pass rewrites nothing.
    expect((await reencryptStale(backend, t)).rewritten).toBe(0);
    await backend.close();
  });
});
