/**
 * The official Python client from Debian (`python3-kubernetes`, 22.6) against a real
 * `skiff serve`: watch, exec with its exit code, port-forward over WebSocket, logs with follow,
 * a Role and RoleBinding, and a ReplicationController that scales. The client sends booleans as
 * `True`/`False` (watch=True, follow=True, stdout=True) and speaks the v4 WebSocket channel
 * protocols, so this suite is what [trust] found real clients trip on.
 *
 * test/e2e/python/client_checks.py runs the checks and prints one JSON line per check; each
 * check is a test here, so a failure names the check and carries the Python traceback.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, podContainers, docker } from '../helpers/docker';
import { startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';
import { needTool } from '../helpers/skips';

/** Debian's interpreter, where python3-kubernetes is installed (not a pyenv shim on PATH). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'python', 'client_checks.py');

function pythonClient(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ready =
  needTool(dockerAvailable(), 'Docker is not available') &&
  needTool(pythonClient(), `${PYTHON} cannot import kubernetes (apt-get install python3-kubernetes)`);
const TEST_IMAGE = 'skiff-test/busybox:1';
const NS = `py-${Date.now().toString(36)}`;

interface CheckLine {
  check: string;
  ok: boolean;
  error?: string;
  trace?: string;
  [k: string]: unknown;
}

describe.skipIf(!ready)('the official Python client (python3-kubernetes) against skiff serve', () => {
  let skiff: SkiffProcess;
  const results = new Map<string, CheckLine>();
  let stderr = '';

  beforeAll(async () => {
    skiff = await startSkiff({ dataDir: tempDir('skiff-python-') });
    const ns = execFileSync('kubectl', ['--kubeconfig', skiff.kubeconfig, 'create', 'namespace', NS], {
      encoding: 'utf8',
    });
    expect(ns).toContain(NS);
    await new Promise<void>((resolve) => {
      execFile(
        PYTHON,
        [SCRIPT, skiff.kubeconfig, NS, TEST_IMAGE],
        { timeout: 420_000, maxBuffer: 16 * 1024 * 1024 },
        (_err, stdout, err) => {
          stderr = err;
          for (const line of stdout.split('\n')) {
            if (!line.startsWith('{')) continue;
            const r = JSON.parse(line) as CheckLine;
            results.set(r.check, r);
          }
          resolve();
        },
      );
    });
  }, 480_000);

  afterAll(async () => {
    if (!skiff) return;
    await skiff.destroy();
    for (const id of podContainers(`label=io.kubernetes.pod.namespace=${NS}`)) docker('rm', '-f', id);
  }, 120_000);

  const outcome = (check: string): CheckLine => {
    const r = results.get(check);
    expect(r, `check ${check} did not report; the script's stderr:\n${stderr.slice(-3000)}`).toBeDefined();
    expect(r!.ok, `${r!.error}\n${r!.trace ?? ''}`).toBe(true);
    return r!;
  };

  it('watch=True streams ADDED, MODIFIED, DELETED for one object', () => {
    expect(outcome('watch').events).toEqual([
      ['ADDED', '1'],
      ['MODIFIED', '2'],
      ['DELETED', '2'],
    ]);
  });

  it('exec over WebSocket returns stdout, stderr and the exit code', () => {
    const r = outcome('exec');
    expect(r.returncode).toBe(3);
    expect(r.stdout).toBe('out-line');
    expect(r.stderr).toBe('err-line');
  });

  it('port-forward over WebSocket reaches the pod’s HTTP server', () => {
    expect(outcome('port-forward').status_line).toMatch(/^HTTP\/1\.[01] 200/);
  });

  it('logs follow=True delivers lines as they are written', () => {
    expect(outcome('logs-follow').lines).toBeGreaterThanOrEqual(8);
  });

  it('creates and reads a Role and a RoleBinding', () => {
    expect(outcome('role').role).toBe('pod-reader');
  });

  it('a ReplicationController runs its replicas and scales', () => {
    const r = outcome('replicationcontroller');
    expect(r.pods).toBe(2);
    expect(r.owners).toEqual(['ReplicationController']);
  });
});
