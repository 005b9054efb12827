import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ensureCerts, ensureToken } from '../../../src-main/control-plane/apiserver/certs';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'skiff-certs-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ensureCerts / ensureToken', () => {
  it('makes a CA and a serving cert for 127.0.0.1, ::1 and localhost, keys 0600, reused on restart', () => {
    const d = tmp();
    const a = ensureCerts(d);
    const cert = new X509Certificate(a.certPem);
    const ca = new X509Certificate(a.caPem);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(statSync(path.join(d, 'pki', 'apiserver.key')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(d, 'pki', 'ca.key')).mode & 0o777).toBe(0o600);
    const b = ensureCerts(d);
    expect(b).toEqual(a);
  });

  it('persists a random token with mode 0600', () => {
    const d = tmp();
    const t1 = ensureToken(d);
    expect(t1).toMatch(/^[0-9a-f]{64}$/);
    expect(ensureToken(d)).toBe(t1);
    expect(statSync(path.join(d, 'token')).mode & 0o777).toBe(0o600);
    expect(ensureToken(tmp())).not.toBe(t1);
  });
});

describe('writeKubeconfig', () => {
  const target = {
    server: 'https://127.0.0.1:6443',
    caPem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n',
    token: 'tok',
  };

  it('writes a skiff cluster/context/user with mode 0600', () => {
    const f = path.join(tmp(), 'sub', 'config');
    writeKubeconfig(f, target, { merge: false });
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const doc = YAML.parse(readFileSync(f, 'utf8'));
    expect(doc['current-context']).toBe('skiff');
    expect(doc.clusters[0]).toEqual({
      name: 'skiff',
      cluster: {
        server: target.server,
        'certificate-authority-data': Buffer.from(target.caPem).toString('base64'),
      },
    });
    expect(doc.users[0]).toEqual({ name: 'skiff', user: { token: 'tok' } });
    expect(doc.contexts[0].context).toMatchObject({ cluster: 'skiff', user: 'skiff' });
  });

  it('merges without touching other entries and keeps an existing current-context', () => {
    const f = path.join(tmp(), 'config');
    writeFileSync(
      f,
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'work',
        clusters: [
          { name: 'work', cluster: { server: 'https://work' } },
          { name: 'skiff', cluster: { server: 'https://old' } },
        ],
        users: [{ name: 'work', user: { token: 'w' } }],
        contexts: [{ name: 'work', context: { cluster: 'work', user: 'work' } }],
      }),
    );
    writeKubeconfig(f, target, { merge: true });
    const doc = YAML.parse(readFileSync(f, 'utf8'));
    expect(doc['current-context']).toBe('work');
    expect(doc.clusters.map((c: any) => c.name)).toEqual(['work', 'skiff']);
    expect(doc.clusters[1].cluster.server).toBe(target.server);
    expect(doc.users.map((c: any) => c.name)).toEqual(['work', 'skiff']);
    expect(doc.contexts.map((c: any) => c.name)).toEqual(['work', 'skiff']);
    expect(doc.users[0].user.token).toBe('w');

    const fresh = path.join(tmp(), 'config');
    writeFileSync(fresh, YAML.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [] }));
    writeKubeconfig(fresh, target, { merge: true });
    expect(YAML.parse(readFileSync(fresh, 'utf8'))['current-context']).toBe('skiff');
  });
});
