/**
 * Locally built `:latest` images on real Docker (issue [firstrun] 1): an image made in the test
 * with `docker import` under a unique name tagged `latest` (so the default pull policy is
 * Always), and no registry. In the default `fallback` mode the pull fails, the pod runs the
 * local image and carries a Normal UsingLocalImage event with the pull error — through
 * `kubectl run`, `kubectl create deployment` and a Deployment shaped like the Deploy wizard's. With
 * `imagePull: 'strict'` (serve's `--image-pull strict`) the same pod fails with ErrImagePull
 * like upstream. A name Docker does not have fails readably in both modes.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { IMAGE_PULL_ANNOTATION, LOCAL_IMAGE_EVENT_REASON } from '../../../src-main/common/image-pull';
import { dockerAvailable, eventually } from './helpers/docker';
import { kubectlAvailable, startTestCluster, type TestCluster } from './helpers/cluster';

const ready = (await dockerAvailable()) && (await kubectlAvailable());
const LOCAL = `skiff-local-${randomBytes(4).toString('hex')}`;
const MISSING = `skiff-missing-${randomBytes(4).toString('hex')}`;

type AnyPod = KubeObject & { spec: any; status?: any };
type EventObj = KubeObject & { type: string; reason: string; message: string; involvedObject: any };

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();

/** The image's id, built here: the busybox test image's filesystem imported under a new name. */
function buildLocalImage(): string {
  const id = docker('create', 'skiff-test/busybox:1');
  try {
    const tar = execFileSync('docker', ['export', id], { maxBuffer: 64 << 20 });
    execFileSync(
      'docker',
      ['import', '-c', 'ENV PATH=/bin', '-c', 'CMD ["/bin/sh"]', '-', `${LOCAL}:latest`],
      {
        input: tar,
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
  } finally {
    docker('rm', id);
  }
  return docker('image', 'inspect', '--format', '{{.Id}}', `${LOCAL}:latest`);
}

describe.skipIf(!ready)('local :latest images with no registry', () => {
  let t: TestCluster;
  let strict: TestCluster;
  let imageId = '';

  const pod = (c: TestCluster, name: string) => c.cluster.client.get<AnyPod>(R.pods, name, 'default');
  const events = async (c: TestCluster, name: string) =>
    (await c.cluster.client.list<EventObj>(R.events, { namespace: 'default' })).items.filter(
      (e) => e.involvedObject.name === name,
    );
  const waiting = async (c: TestCluster, name: string) =>
    (await pod(c, name)).status?.containerStatuses?.[0]?.state?.waiting as
      { reason: string; message?: string } | undefined;

  beforeAll(async () => {
    imageId = buildLocalImage();
    [t, strict] = await Promise.all([
      startTestCluster('local-images'),
      startTestCluster('local-images-strict', { imagePull: 'strict' }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([t?.stop(), strict?.stop()]);
    try {
      docker('rmi', '-f', `${LOCAL}:latest`);
    } catch {
      // already gone
    }
  }, 120_000);

  it('the node tells the dashboard which mode the kubelet runs with', async () => {
    await eventually(async () => {
      const n = await t.cluster.client.get<KubeObject>(R.nodes, 'local-images');
      const s = await strict.cluster.client.get<KubeObject>(R.nodes, 'local-images-strict');
      return (
        n.metadata.annotations?.[IMAGE_PULL_ANNOTATION] === 'fallback' &&
        s.metadata.annotations?.[IMAGE_PULL_ANNOTATION] === 'strict'
      );
    });
  });

  it('kubectl run with no pull policy: Running from the local image, with a Normal event carrying the pull error', async () => {
    const r = await t.kubectl([
      'run',
      'local-run',
      `--image=${LOCAL}`,
      '--restart=Never',
      '--command',
      '--',
      'sh',
      '-c',
      'echo from-local; sleep 3600',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const p = await pod(t, 'local-run');
    expect(p.spec.containers[0].imagePullPolicy).toBe('Always');
    await eventually(async () => (await pod(t, 'local-run')).status?.phase === 'Running', 60_000);
    const cs = (await pod(t, 'local-run')).status.containerStatuses[0];
    expect(cs.imageID).toBe(`docker://${imageId}`);
    const ev = await eventually(async () =>
      (await events(t, 'local-run')).find((e) => e.reason === LOCAL_IMAGE_EVENT_REASON),
    );
    expect(ev.type).toBe('Normal');
    expect(ev.message).toContain(`Pulling image "${LOCAL}" failed (`);
    expect(ev.message).toContain('using the image already present on the machine');
    expect(ev.message).toContain('--image-pull strict');
    // The pull was really attempted first (Always), and the error is the engine's own words.
    expect((await events(t, 'local-run')).some((e) => e.reason === 'Pulling')).toBe(true);
    expect(ev.message).not.toContain('HTTP code');
    expect((await t.kubectl(['logs', 'local-run'])).stdout).toContain('from-local');
  });

  it('kubectl create deployment, and a Deployment like the Deploy wizard makes, run the local image too', async () => {
    const r = await t.kubectl([
      'create',
      'deployment',
      'local-dep',
      `--image=${LOCAL}`,
      '--',
      'sleep',
      '3600',
    ]);
    expect(r.code, r.stderr).toBe(0);
    // The wizard's Deployment sets no imagePullPolicy (test/renderer/models/deploy-wizard.spec.ts
    // checks buildDeployment): the API server defaults it to Always for an untagged image.
    await t.cluster.client.create(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'local-wizard', namespace: 'default', labels: { app: 'local-wizard' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'local-wizard' } },
        template: {
          metadata: { labels: { app: 'local-wizard' } },
          spec: { containers: [{ name: 'local-wizard', image: LOCAL, command: ['sleep', '3600'] }] },
        },
      },
    } as KubeObject);
    for (const app of ['local-dep', 'local-wizard'])
      await eventually(async () => {
        const list = await t.cluster.client.list<AnyPod>(R.pods, {
          namespace: 'default',
          labelSelector: `app=${app}`,
        });
        const p = list.items[0];
        if (p?.status?.phase !== 'Running') return false;
        return (await events(t, p.metadata.name!)).some((e) => e.reason === LOCAL_IMAGE_EVENT_REASON);
      }, 60_000);
  });

  it('with imagePull strict the same pod fails with ErrImagePull, as upstream', async () => {
    const r = await strict.kubectl([
      'run',
      'strict-run',
      `--image=${LOCAL}`,
      '--restart=Never',
      '--command',
      '--',
      'sleep',
      '3600',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const w = await eventually(async () => {
      const s = await waiting(strict, 'strict-run');
      return (s?.reason === 'ErrImagePull' || s?.reason === 'ImagePullBackOff') && s;
    }, 60_000);
    expect((await pod(strict, 'strict-run')).status.phase).toBe('Pending');
    const failed = await eventually(async () =>
      (await events(strict, 'strict-run')).find((e) =>
        e.message.startsWith(`Failed to pull image "${LOCAL}"`),
      ),
    );
    expect(failed.type).toBe('Warning');
    expect(w.reason === 'ErrImagePull' ? w.message : failed.message).not.toContain('HTTP code');
    expect((await events(strict, 'strict-run')).some((e) => e.reason === LOCAL_IMAGE_EVENT_REASON)).toBe(
      false,
    );
  });

  it('an image Docker does not have: ErrImagePull then ImagePullBackOff, with a readable message', async () => {
    const r = await t.kubectl(['run', 'missing-run', `--image=${MISSING}:v1`, '--restart=Never']);
    expect(r.code, r.stderr).toBe(0);
    const failed = await eventually(async () =>
      (await events(t, 'missing-run')).find((e) =>
        e.message.startsWith(`Failed to pull image "${MISSING}:v1": `),
      ),
    );
    const why = failed.message.slice(`Failed to pull image "${MISSING}:v1": `.length);
    expect(why).toMatch(/\w{3,}/);
    expect(why).not.toContain('HTTP code');
    // The kubelet records "Failed to pull" and then "Error: ErrImagePull"; they are two separate
    // event writes, so the second may land a moment after the first.
    await eventually(async () =>
      (await events(t, 'missing-run')).some((e) => e.message === 'Error: ErrImagePull'),
    );
    // ErrImagePull is soon replaced by the back-off, which keeps the pod Pending.
    await eventually(async () => (await waiting(t, 'missing-run'))?.reason === 'ImagePullBackOff', 30_000);
    expect((await pod(t, 'missing-run')).status.phase).toBe('Pending');
    const describe = await t.kubectl(['describe', 'pod', 'missing-run']);
    expect(describe.stdout).toContain(`Failed to pull image "${MISSING}:v1"`);
  }, 90_000);
});
