// Debian's kubectl 1.20 (which validates with /openapi/v2 protobuf only) against a test API server: apply, validation errors, explain, get, describe, delete and a CRD; runs the binary from .ci/kubectl-1.20.sh, writes only temp dirs.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import { writeKubeconfig } from '../../../src-main/control-plane/apiserver/kubeconfig';
import { needTool } from '../../helpers/skips';
import { startApi, type TestApi } from './helpers';

/** Where .ci/kubectl-1.20.sh extracts the binary (override with SKIFF_KUBECTL_1_20). */
const KUBECTL_120 = process.env.SKIFF_KUBECTL_1_20 ?? '/opt/skiff-kubectl-1.20/usr/bin/kubectl';

function clientMinor(): string | undefined {
  if (!existsSync(KUBECTL_120)) return undefined;
  try {
    const out = execFileSync(KUBECTL_120, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    return (JSON.parse(out) as { clientVersion: { minor: string } }).clientVersion.minor;
  } catch {
    return undefined;
  }
}

const minor = clientMinor();
const ready = needTool(
  minor === '20',
  minor
    ? `${KUBECTL_120} is kubectl 1.${minor}, not 1.20`
    : `kubectl 1.20 is not at ${KUBECTL_120} (run .ci/kubectl-1.20.sh as root, or set SKIFF_KUBECTL_1_20)`,
);

let t: TestApi;
let dir: string;
let kubeconfig: string;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL_120,
      ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args],
      { env: { ...process.env, HOME: dir }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function manifest(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe.skipIf(!ready)('kubectl 1.20 (OpenAPI v2, protobuf)', () => {
  beforeAll(async () => {
    t = await startApi();
    dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-kubectl-120-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, { server: t.url, caPem: t.caPem, token: t.token }, { merge: false });
  });
  afterAll(async () => {
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const CM = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm1
data:
  greeting: ${value}
`;

  it('apply downloads /openapi/v2 as protobuf, validates, and creates', async () => {
    const r = await kubectl('apply', '-f', manifest('cm.yaml', CM('hello')), '-v=6');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('configmap/cm1 created\n');
    expect(r.stderr).toMatch(/GET https:\/\/[^ ]+\/openapi\/v2\?timeout=32s 200 OK/);
    expect(r.stderr).not.toMatch(/failed to download openapi|error validating/);
  });

  it('validation really reads the v2 schema: an unknown field is refused client-side', async () => {
    const r = await kubectl(
      'apply',
      '-f',
      manifest('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndatta:\n  a: b\n'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error validating');
    expect(r.stderr).toContain('unknown field "datta" in io.k8s.api.core.v1.ConfigMap');
    // Nothing reached the server.
    await expect(t.storage.get(R.configmaps, 'default', 'bad')).rejects.toMatchObject({ code: 404 });
  });

  it('apply again: configured with a change, unchanged without one', async () => {
    const changed = await kubectl('apply', '-f', manifest('cm.yaml', CM('bonjour')));
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toBe('configmap/cm1 configured\n');
    const same = await kubectl('apply', '-f', manifest('cm.yaml', CM('bonjour')));
    expect(same.stdout).toBe('configmap/cm1 unchanged\n');
    expect((await t.storage.get(R.configmaps, 'default', 'cm1')).data).toEqual({ greeting: 'bonjour' });
  });

  it('get and describe', async () => {
    const get = await kubectl('get', 'configmap', 'cm1');
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^NAME\s+DATA\s+AGE\ncm1\s+1\s+\S+\n$/);
    const describe = await kubectl('describe', 'configmap', 'cm1');
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/^Name:\s+cm1$/m);
    expect(describe.stdout).toMatch(/^Namespace:\s+default$/m);
    expect(describe.stdout).toMatch(/^greeting:\n----\nbonjour$/m);
  });

  it('explain reads the v2 definitions', async () => {
    const r = await kubectl('explain', 'configmap.data');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^KIND:\s+ConfigMap$/m);
    expect(r.stdout).toMatch(/^FIELD:\s+data <map\[string\]string>$/m);
  });

  it('a CRD added after the first download is validated too (new ETag, new document)', async () => {
    await t.client.create(R.customresourcedefinitions, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { replicas: { type: 'integer' } } },
                },
              },
            },
          },
        ],
      },
    } as never);
    const widget = (replicas: string) =>
      manifest(
        'w.yaml',
        `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  replicas: ${replicas}\n`,
      );
    const bad = await kubectl('apply', '-f', widget('"three"'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error validating');
    expect(bad.stderr).toContain('com.example.v1.Widget.spec.replicas');
    const good = await kubectl('apply', '-f', widget('3'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toBe('widget.example.com/w1 created\n');
    const list = await kubectl('get', 'widgets');
    expect(list.stdout).toMatch(/^NAME\s+AGE\nw1\s+/);
  });

  it('delete', async () => {
    const r = await kubectl('delete', 'configmap', 'cm1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('configmap "cm1" deleted\n');
    const gone = await kubectl('get', 'configmap', 'cm1');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('Error from server (NotFound): configmaps "cm1" not found');
  });
});
