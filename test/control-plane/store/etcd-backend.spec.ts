// EtcdBackend against a real throwaway etcd (test/helpers/etcd.ts): the shared Backend contract, then etcd-specific behaviour (restarts, compaction while down, unreachable etcd, TLS, specs); touches only its own etcd members and temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactedError, type Backend, type StoreEvent } from '../../../src-main/control-plane/store/backend';
import { EtcdBackend, type EtcdBackendOptions } from '../../../src-main/control-plane/store/etcd-backend';
import { openBackend } from '../../../src-main/control-plane/store/index';
import {
  etcdAvailable,
  freePort,
  makeEtcdCerts,
  startEtcd,
  type EtcdCerts,
  type EtcdProcess,
} from '../../helpers/etcd';
import { backendContract, collector } from './backend-contract';

const hasEtcd = etcdAvailable();
let etcd: EtcdProcess;
let seq = 0;
/** Every test gets its own key prefix on the shared member, so tests never see each other. */
const nextPrefix = () => `/skiff-test-${process.pid}-${++seq}/`;

async function started(opts: Partial<EtcdBackendOptions> = {}): Promise<EtcdBackend> {
  const b = new EtcdBackend({
    endpoints: [etcd.url],
    prefix: nextPrefix(),
    compactionIntervalMs: 0,
    ...opts,
  });
  await b.start();
  return b;
}

/** A raw etcd3 client, closed after the test file. */
const raws: Etcd3[] = [];
function raw2(url: string): Etcd3 {
  const c = new Etcd3({ hosts: url });
  raws.push(c);
  return c;
}
afterAll(() => {
  for (const c of raws) c.close();
});

/** Retries `fn` while etcd comes back (a write after a restart may meet a reconnecting channel). */
async function retrying<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe.skipIf(!hasEtcd)('EtcdBackend on a real etcd', () => {
  beforeAll(async () => {
    etcd = await startEtcd();
  }, 60_000);
  afterAll(async () => {
    await etcd?.destroy();
  }, 30_000);

  backendContract(
    'etcd',
    async () => {
      const prefix = nextPrefix();
      const make = () => new EtcdBackend({ endpoints: [etcd.url], prefix, compactionIntervalMs: 0 });
      const fx = {
        backend: make(),
        reopen: async () => {
          await fx.backend.close();
          fx.backend = make();
          await fx.backend.start();
          return fx.backend;
        },
      };
      await fx.backend.start();
      return fx;
    },
    { durable: true, importsSnapshots: false },
  );

  describe('etcd specifics', () => {
    const open: Backend[] = [];
    afterAll(async () => {
      for (const b of open) await b.close();
    });
    const track = <T extends Backend>(b: T) => (open.push(b), b);

    it('keeps keys under the prefix and counts the rest of a paged range', async () => {
      const b = track(await started({ prefix: '/iso-a/' }));
      const other = track(await started({ prefix: '/iso-b' })); // trailing slash optional
      await b.create('/registry/pods/ns/one', '1');
      await other.create('/registry/pods/ns/two', '2');
      expect((await b.list('/registry/', '', 0, 0)).kvs.map((kv) => kv.key)).toEqual([
        '/registry/pods/ns/one',
      ]);
      const raw = new Etcd3({ hosts: etcd.url });
      try {
        expect(await raw.get('/iso-a/registry/pods/ns/one').string()).toBe('1');
        expect(await raw.get('/iso-b/registry/pods/ns/two').string()).toBe('2');
      } finally {
        raw.close();
      }
      // '' lists every key of the backend, and nothing of its neighbour.
      expect((await b.list('', '', 0, 0)).kvs.map((kv) => kv.key)).toEqual(['/registry/pods/ns/one']);
      // prefix '/' keeps the keys as they are (kube-apiserver's own layout).
      const flat = track(await started({ prefix: '/' }));
      const kv = await flat.create(`/flat-${process.pid}/x`, 'f');
      expect(await raw2(etcd.url).get(`/flat-${process.pid}/x`).string()).toBe('f');
      const all = await flat.list('', '', 0, 0);
      expect(all.kvs.map((x) => x.key)).toContain(kv.key);
      expect(all.kvs.map((x) => x.key)).toContain('/iso-a/registry/pods/ns/one');
      expect(() => new EtcdBackend({ endpoints: [etcd.url], prefix: 'registry' })).toThrow(/must start with/);
      await expect(b.create('no-slash', 'x')).rejects.toThrow(/keys start with/);
    });

    it('a watch survives an etcd restart without losing or duplicating events', async () => {
      const b = track(await started());
      const first = await b.create('/w/0', 'v0');
      const c = collector();
      const errors: Error[] = [];
      await b.watch('/w/', first.modRevision, c.on, (e) => errors.push(e));
      for (let i = 1; i < 5; i++) await b.create(`/w/${i}`, `v${i}`);
      await c.next(5);

      // etcd goes down; meanwhile another client writes through a second port, which the
      // watching backend does not know: for it etcd is down the whole time.
      await etcd.stop();
      const alt = await etcd.start({ clientPort: await freePort() });
      const writer = new EtcdBackend({ endpoints: [alt], prefix: b.prefix, compactionIntervalMs: 0 });
      await writer.start();
      for (let i = 5; i < 8; i++) await writer.create(`/w/${i}`, `v${i}`);
      await writer.update('/w/0', 'v0b', first.modRevision);
      await writer.close();
      await etcd.stop();
      await etcd.start();

      for (let i = 8; i < 10; i++) await retrying(() => b.create(`/w/${i}`, `v${i}`));
      const evs = await c.next(11, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(c.events).toHaveLength(11);
      const revs = evs.map((e) => e.kv.modRevision);
      expect(revs).toEqual(Array.from({ length: 11 }, (_, i) => first.modRevision + i));
      expect(evs.map((e) => e.kv.key)).toEqual([
        ...Array.from({ length: 8 }, (_, i) => `/w/${i}`),
        '/w/0',
        '/w/8',
        '/w/9',
      ]);
      expect(evs[8].prevKv?.value).toBe('v0');
      expect(errors).toEqual([]);
    }, 90_000);

    it('a watch cut off while catching up on a long backlog resumes where it was, not at the header revision', async () => {
      // etcd sends a backlog in chunks of 1000 revisions, each under a header carrying the
      // *current* revision; etcd3 alone would resume after that header and skip the rest.
      const b = track(await started());
      const n = 2500;
      const r0 = await b.currentRevision();
      for (let i = 0; i < n; i += 100)
        await Promise.all(
          Array.from({ length: Math.min(100, n - i) }, (_, j) =>
            b.create(`/bl/${String(i + j).padStart(5, '0')}`, 'x'),
          ),
        );
      const c = collector();
      let batches = 0;
      await b.watch('/bl/', r0 + 1, (evs) => {
        c.on(evs);
        if (++batches === 1) etcd.crash(); // cut the stream right after the first chunk
      });
      await retrying(async () => {
        if (!batches) throw new Error('no batch yet');
      });
      expect(c.events.length).toBeLessThan(n);
      await etcd.stop();
      await etcd.start();
      const evs = await c.next(n, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(c.events).toHaveLength(n);
      expect(evs.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: n }, (_, i) => r0 + 1 + i));
    }, 90_000);

    it('a watch whose history was compacted while etcd was down ends via onError with CompactedError', async () => {
      const b = track(await started());
      const first = await b.create('/k/a', '1');
      const c = collector();
      let ended: Error | undefined;
      let calls = 0;
      await b.watch('/k/', first.modRevision, c.on, (e) => ((ended = e), calls++));
      await b.create('/k/b', '1');
      await c.next(2);

      await etcd.stop();
      const alt = await etcd.start({ clientPort: await freePort() });
      const writer = new EtcdBackend({ endpoints: [alt], prefix: b.prefix, compactionIntervalMs: 0 });
      await writer.start();
      await writer.create('/k/c', '1');
      await writer.create('/k/d', '1');
      const compactTo = await writer.currentRevision();
      await writer.compact(compactTo);
      await writer.close();
      await etcd.stop();
      await etcd.start();

      await retrying(async () => {
        if (!ended) throw new Error('not ended yet');
      }, 30_000);
      expect(ended).toBeInstanceOf(CompactedError);
      expect((ended as CompactedError).requested).toBe(first.modRevision + 2);
      expect((ended as CompactedError).compactRevision).toBe(compactTo);
      // Nothing after the error, and the events written meanwhile were not half-delivered.
      await b.create('/k/e', '1');
      await new Promise((r) => setTimeout(r, 500));
      expect(c.events).toHaveLength(2);
      expect(calls).toBe(1);
      // The backend learned the compaction point from the failure.
      expect(b.compactRevision()).toBe(compactTo);
      await expect(b.watch('/k/', first.modRevision, () => undefined)).rejects.toBeInstanceOf(CompactedError);
    }, 90_000);

    it('a watch ends via onError when etcd stays unreachable longer than the bound', async () => {
      const b = track(await started({ watchReconnectTimeoutMs: 1500 }));
      const c = collector();
      const errors: Error[] = [];
      await b.watch('/u/', 0, c.on, (e) => errors.push(e));
      const t0 = Date.now();
      await etcd.stop();
      try {
        await retrying(async () => {
          if (!errors.length) throw new Error('no error yet');
        }, 15_000);
        expect(Date.now() - t0).toBeLessThan(10_000);
        expect(errors).toHaveLength(1);
        expect(errors[0].message).toMatch(/unreachable for 1\.5 s/);
        expect(errors[0].message).toContain(etcd.url);
      } finally {
        await etcd.start();
      }
    }, 60_000);

    it('cancelling a watch stops delivery; a throwing callback does not break other watches', async () => {
      const b = track(await started());
      const c = collector();
      const w = await b.watch('/t/', 0, (evs: StoreEvent[]) => {
        c.on(evs);
        throw new Error('callback bug');
      });
      const c2 = collector();
      await b.watch('/t/', 0, c2.on);
      await b.create('/t/a', '1');
      await c.next(1);
      await c2.next(1);
      w.cancel();
      await b.create('/t/b', '1');
      await c2.next(2);
      expect(c.events).toHaveLength(1);
    });
  });

  describe('unreachable etcd and bad specs', () => {
    it('fails to start within the connect timeout, naming the endpoint', async () => {
      const port = await freePort(); // nothing listens there
      const b = openBackend(`etcd://127.0.0.1:${port}`, { etcd: { connectTimeoutMs: 1500 } });
      const t0 = Date.now();
      await expect(b.start()).rejects.toThrow(
        new RegExp(`cannot reach etcd at http://127\\.0\\.0\\.1:${port} within 1\\.5 s`),
      );
      expect(Date.now() - t0).toBeLessThan(5000);
      await b.close();
    });

    it('parses etcd specs and rejects bad ones clearly', () => {
      const eps = (spec: string, etcdOpts = {}) =>
        (openBackend(spec, { etcd: etcdOpts }) as EtcdBackend).endpoints;
      expect(eps('etcd://127.0.0.1:2379')).toEqual(['http://127.0.0.1:2379']);
      expect(eps('etcd://a.example:1,b.example')).toEqual(['http://a.example:1', 'http://b.example:2379']);
      expect(eps('etcd+https://[::1]:2379')).toEqual(['https://[::1]:2379']);
      expect(eps('http://h1:2379,http://h2:2380')).toEqual(['http://h1:2379', 'http://h2:2380']);
      // TLS files mean https.
      expect(eps('etcd://h:2379', { caFile: '/ca.pem' })).toEqual(['https://h:2379']);
      expect(openBackend('etcd://h:2379')).toBeInstanceOf(EtcdBackend);
      expect((openBackend('etcd://h', { etcd: { prefix: '/custom' } }) as EtcdBackend).prefix).toBe(
        '/custom/',
      );
      expect(() => openBackend('etcd://')).toThrow(/bad etcd store "etcd:\/\/": empty endpoint/);
      expect(() => openBackend('etcd://h:2379/path')).toThrow(/is not host:port/);
      expect(() => openBackend('etcd://h:99999')).toThrow(/out of range/);
      expect(() => openBackend('https://a:1,http://b:2')).toThrow(/mix http and https/);
      expect(() => openBackend('etcd+http://h', { etcd: { caFile: '/ca' } })).toThrow(/plain-http/);
      expect(() => openBackend('etcd://h', { etcd: { certFile: '/c' } })).toThrow(
        /both a cert file and a key file/,
      );
      expect(() => openBackend('memory://', { etcd: { prefix: '/x' } })).toThrow(
        /prefix were given, but memory:\/\/ is not an etcd/,
      );
    });
  });

  describe('TLS', () => {
    let tlsEtcd: EtcdProcess;
    let certs: EtcdCerts;
    let dir: string;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-etcd-certs-'));
      certs = makeEtcdCerts(dir);
      tlsEtcd = await startEtcd({ certs });
    }, 60_000);
    afterAll(async () => {
      await tlsEtcd?.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('passes the CA, certificate and key files to the client', () => {
      const b = openBackend(`etcd+https://${tlsEtcd.hostPort}`, {
        etcd: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
      }) as EtcdBackend;
      const o = b.clientOptions();
      expect(o.hosts).toEqual([tlsEtcd.url]);
      expect(o.credentials?.rootCertificate).toEqual(fs.readFileSync(certs.caFile));
      expect(o.credentials?.certChain).toEqual(fs.readFileSync(certs.clientCertFile));
      expect(o.credentials?.privateKey).toEqual(fs.readFileSync(certs.clientKeyFile));
      const missing = openBackend(`etcd+https://${tlsEtcd.hostPort}`, {
        etcd: { caFile: path.join(dir, 'nope.crt') },
      }) as EtcdBackend;
      expect(() => missing.clientOptions()).toThrow(/cannot read the etcd CA file .*nope\.crt/);
    });

    it('works against etcd with client-certificate auth, and fails clearly without the certificate', async () => {
      const b = openBackend(`etcd+https://${tlsEtcd.hostPort}`, {
        etcd: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
      });
      await b.start();
      try {
        const kv = await b.create('/tls/a', 'secret');
        expect((await b.get('/tls/a')).kv).toEqual(kv);
        const c = collector();
        await b.watch('/tls/', kv.modRevision, c.on);
        expect((await c.next(1))[0].kv.value).toBe('secret');
      } finally {
        await b.close();
      }
      const noCert = openBackend(`etcd+https://${tlsEtcd.hostPort}`, {
        etcd: { caFile: certs.caFile, connectTimeoutMs: 1500 },
      });
      await expect(noCert.start()).rejects.toThrow(
        /cannot reach etcd at https:\/\/127\.0\.0\.1:\d+ within 1\.5 s/,
      );
      await noCert.close();
    }, 30_000);
  });
});
