/**
 * Debian's kubectl 1.20 (`kubernetes-client`, extracted by .ci/kubectl-1.20.sh beside the kubectl
 * on PATH) against a real `skiff serve` with real Docker: apply a pod, get, describe, logs (and
 * logs -f), exec (SPDY, the only protocol 1.20 speaks, with its exit code) and delete. The OpenAPI
 * v2 side of 1.20 (apply validation, explain, CRDs) is test/control-plane/apiserver/kubectl-1.20.spec.ts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, podContainers, docker } from '../helpers/docker';
import { eventually, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';
import { needTool } from '../helpers/skips';

const KUBECTL_120 = process.env.SKIFF_KUBECTL_1_20 ?? '/opt/skiff-kubectl-1.20/usr/bin/kubectl';

function is120(): boolean {
  if (!existsSync(KUBECTL_120)) return false;
  try {
    const out = execFileSync(KUBECTL_120, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    return (JSON.parse(out) as { clientVersion: { minor: string } }).clientVersion.minor === '20';
  } catch {
    return false;
  }
}

const ready =
  needTool(dockerAvailable(), 'Docker is not available') &&
  needTool(is120(), `kubectl 1.20 is not at ${KUBECTL_120} (run .ci/kubectl-1.20.sh as root)`);
const NS = `k120-${Date.now().toString(36)}`;

describe.skipIf(!ready)('kubectl 1.20 against skiff serve: pods, logs, exec', () => {
  let skiff: SkiffProcess;
  let dir: string;

  const kubectl = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        KUBECTL_120,
        ['--kubeconfig', skiff.kubeconfig, '--cache-dir', path.join(dir, 'cache'), '-n', NS, ...args],
        { env: { ...process.env, HOME: dir }, timeout: 90_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = tempDir('skiff-k120-home-');
    skiff = await startSkiff({ dataDir: tempDir('skiff-k120-') });
    const ns = await kubectl('create', 'namespace', NS);
    expect(ns.code, ns.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    if (!skiff) return;
    await skiff.destroy();
    for (const id of podContainers(`label=io.kubernetes.pod.namespace=${NS}`)) docker('rm', '-f', id);
  }, 120_000);

  it('apply creates a pod that runs; get and describe show it', async () => {
    const file = path.join(dir, 'pod.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Pod
metadata:
  name: counter
  labels: {app: counter}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: skiff-test/busybox:1
    command: ["sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.3; done"]
`,
    );
    const r = await kubectl('apply', '-f', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('pod/counter created\n');
    await eventually(
      async () => (await kubectl('get', 'pod', 'counter')).stdout.match(/counter\s+1\/1\s+Running/),
      90_000,
    );
    const d = await kubectl('describe', 'pod', 'counter');
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/Status:\s+Running/);
    expect(d.stdout).toMatch(/Image:\s+skiff-test\/busybox:1/);
  }, 120_000);

  it('logs and logs -f', async () => {
    const r = await eventually(async () => {
      const l = await kubectl('logs', 'counter');
      return l.stdout.includes('tick-2') && l;
    });
    expect(r.stdout.split('\n')[0]).toBe('tick-0');
    // Follow: the stream stays open and delivers new lines; stopped after a bounded wait.
    const lines = await new Promise<string>((resolve) => {
      const child = execFile(
        KUBECTL_120,
        [
          '--kubeconfig',
          skiff.kubeconfig,
          '--cache-dir',
          path.join(dir, 'cache'),
          '-n',
          NS,
          'logs',
          '-f',
          '--tail=1',
          'counter',
        ],
        { env: { ...process.env, HOME: dir } },
      );
      let out = '';
      const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += String(d);
        if (out.split('\n').filter(Boolean).length >= 4) {
          clearTimeout(timer);
          child.kill('SIGTERM');
        }
      });
      child.on('exit', () => resolve(out));
    });
    const ticks = lines.split('\n').filter((l) => l.startsWith('tick-'));
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    const n = ticks.map((t) => Number(t.slice(5)));
    expect(n).toEqual([...n].sort((a, b) => a - b));
  }, 60_000);

  it('exec runs a command, returns its output and exit code', async () => {
    const ok = await kubectl('exec', 'counter', '--', 'sh', '-c', 'echo from-exec; cat /etc/hostname');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('from-exec\ncounter\n');
    const fail = await kubectl('exec', 'counter', '--', 'sh', '-c', 'exit 7');
    expect(fail.code).toBe(7);
    expect(fail.stderr).toContain('command terminated with exit code 7');
  });

  it('delete removes the pod and its container', async () => {
    const r = await kubectl('delete', 'pod', 'counter');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('pod "counter" deleted\n');
    await eventually(async () => (await kubectl('get', 'pod', 'counter')).code === 1, 60_000);
    await eventually(() => podContainers(`label=io.kubernetes.pod.namespace=${NS}`).length === 0, 60_000);
  }, 90_000);
});
