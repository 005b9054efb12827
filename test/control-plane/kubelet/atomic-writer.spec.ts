/**
 * The kubelet's AtomicWriter: files appear through `..data` symlinks, an update swaps the whole
 * set at once (a reader polling throughout never sees a torn or mixed file), removed keys go, an
 * unchanged payload writes nothing, plain files of the older layout are replaced. And the token
 * manager's refresh rule (80 % of the TTL) over a fake API.
 */
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtomically, type PayloadFile } from '../../../src-main/control-plane/kubelet/atomic-writer';
import { TokenManager } from '../../../src-main/control-plane/kubelet/token-manager';
import { FakeApi, FakeClock } from '../helpers/fake-api';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'skiff-atomic-'));
  dirs.push(d);
  return d;
}
const payload = (o: Record<string, string>, mode = 0o644) =>
  new Map<string, PayloadFile>(Object.entries(o).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

describe('writeAtomically', () => {
  it('lays files out behind ..data and swaps them as one set', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'token'), 'old plain file');
    expect(await writeAtomically(dir, payload({ token: 'A', 'ca.crt': 'CA', 'sub/x': 'X' }))).toBe(true);
    expect(readlinkSync(path.join(dir, 'token'))).toBe('..data/token');
    expect(lstatSync(path.join(dir, '..data')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'token'), 'utf8')).toBe('A');
    expect(readFileSync(path.join(dir, 'sub', 'x'), 'utf8')).toBe('X');
    expect(statSync(path.join(dir, 'token')).mode & 0o777).toBe(0o644);
    expect(await writeAtomically(dir, payload({ token: 'A', 'ca.crt': 'CA', 'sub/x': 'X' }))).toBe(false);

    // A reader polling during many updates only ever sees a whole, consistent pair.
    let stop = false;
    const seen = new Set<string>();
    const reader = (async () => {
      while (!stop) {
        try {
          const a = readFileSync(path.join(dir, 'token'), 'utf8');
          const b = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
          seen.add(`${a}|${b}`);
        } catch (err) {
          seen.add(`error ${(err as NodeJS.ErrnoException).code}`);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 40; i++)
      await writeAtomically(dir, payload({ token: `T${i}`.repeat(5000), 'ca.crt': 'CA' }));
    stop = true;
    await reader;
    for (const v of seen) expect(v).toMatch(/^(A|(T\d+)+)\|CA$/);
    for (const v of seen)
      if (v.startsWith('T')) expect(new Set(v.split('|')[0]!.match(/T\d+/g)).size).toBe(1);

    // Removed keys disappear, one timestamped dir remains.
    await writeAtomically(dir, payload({ token: 'B' }));
    const names = readdirSync(dir).sort();
    expect(names.filter((n) => !n.startsWith('..'))).toEqual(['token']);
    expect(names.filter((n) => n.startsWith('..') && n !== '..data')).toHaveLength(1);
  });
});

describe('TokenManager', () => {
  it('requests a pod-bound token and refreshes it after 80% of its lifetime', async () => {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    let n = 0;
    const bodies: any[] = [];
    api.reactors.push((req, parsed) => {
      if (parsed.subresource !== 'token') return undefined;
      const body = JSON.parse(req.body!);
      bodies.push({ ...body, sa: parsed.name, ns: parsed.namespace });
      return {
        status: 201,
        headers: {},
        body: JSON.stringify({
          ...body,
          status: {
            token: `tok-${++n}`,
            expirationTimestamp: new Date(clock.now() + body.spec.expirationSeconds * 1000).toISOString(),
          },
        }),
      };
    });
    const m = new TokenManager(api.client, clock);
    const want = {
      namespace: 'ns',
      serviceAccount: 'default',
      pod: { name: 'p', uid: 'u1' },
      expirationSeconds: 3607,
    };
    expect(await m.token(want)).toBe('tok-1');
    expect(bodies[0]).toMatchObject({
      sa: 'default',
      ns: 'ns',
      kind: 'TokenRequest',
      spec: { audiences: [], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', name: 'p', uid: 'u1' } },
    });
    await clock.advance(3607 * 1000 * 0.79);
    expect(await m.token(want)).toBe('tok-1');
    await clock.advance(3607 * 1000 * 0.02);
    expect(await m.token(want)).toBe('tok-2');
    expect(await m.token({ ...want, audience: 'vault' })).toBe('tok-3');
    expect(bodies[2].spec.audiences).toEqual(['vault']);
    m.deletePod('u1');
    expect(await m.token(want)).toBe('tok-4');
  });
});
