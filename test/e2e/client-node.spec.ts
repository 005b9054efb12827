/**
 * The official JavaScript client (@kubernetes/client-node 1.4.0, the newest release that runs on
 * Node 20) against a real `skiff serve` process, with the kubeconfig Skiff wrote: list, watch,
 * an informer (ListWatch) cache that follows the server across a restart, create, patch (merge /
 * JSON / strategic), delete, logs and exec on a real Docker container.
 *
 * The restart: Skiff's store keeps its watch history across restarts (as etcd does, until
 * compaction), so an informer restarted on error as client-node's README shows resumes its watch
 * from the resourceVersion it holds — no 410, no relist — and learns what changed meanwhile from
 * the replayed events. (A 410 after compaction is covered by test/common/client/informer.spec.ts.)
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import {
  AppsV1Api,
  CoreV1Api,
  Exec,
  KubeConfig,
  ListWatch,
  Log,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Status,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable, podContainers } from '../helpers/docker';
import { eventually, startSkiff, tempDir, type SkiffProcess } from '../helpers/skiff-process';

const hasDocker = dockerAvailable();
const NS = `cn-${Date.now().toString(36)}`;
const OTHER = `${NS}-other`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A Writable that collects what is written to it. */
function sink(): Writable & { text(): string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  });
  return Object.assign(w, { text: () => buf });
}

/** client-node's Watch, recording every HTTP status / ERROR event code it ends with. */
class RecordingWatch extends Watch {
  codes: number[] = [];
  override async watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    cb: (phase: string, apiObj: any, watchObj?: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      params,
      (phase, obj, w) => {
        if (phase === 'ERROR' && typeof obj?.code === 'number') this.codes.push(obj.code);
        cb(phase, obj, w);
      },
      (err) => {
        if (typeof err?.statusCode === 'number') this.codes.push(err.statusCode);
        done(err);
      },
    );
  }
}

describe.skipIf(!hasDocker)('@kubernetes/client-node against skiff serve', () => {
  let skiff: SkiffProcess;
  let port: number;
  const dataDir = tempDir('skiff-client-node-');
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  const start = async () => {
    skiff = await startSkiff({ dataDir, extraArgs: ['--api-port', String(port)] });
    kc = new KubeConfig();
    kc.loadFromFile(skiff.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  };

  beforeAll(async () => {
    port = await freePort();
    await start();
    expect(kc.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${port}`);
    for (const name of [NS, OTHER]) await core.createNamespace({ body: { metadata: { name } } });
  }, 300_000);

  afterAll(async () => {
    if (!skiff) return;
    for (const name of [NS, OTHER]) await core.deleteNamespace({ name }).catch(() => undefined);
    await eventually(
      async () => {
        const l = await core.listNamespace();
        return !l.items.some((n) => n.metadata?.name === NS || n.metadata?.name === OTHER);
      },
      120_000,
      'namespaces gone',
    ).catch(() => undefined);
    await skiff.destroy();
    for (const ns of [NS, OTHER])
      for (const id of podContainers(`label=io.kubernetes.pod.namespace=${ns}`)) docker('rm', '-f', id);
  }, 180_000);

  it('lists with the kubeconfig Skiff wrote (nodes, namespaces, label selectors)', async () => {
    const nodes = await core.listNode();
    expect(nodes.items).toHaveLength(1);
    expect(nodes.items[0].status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const nss = await core.listNamespace();
    expect(nss.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', NS, OTHER]));
    for (const [name, tier] of [
      ['one', 'a'],
      ['two', 'b'],
    ])
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name, labels: { tier } }, data: { k: name } },
      });
    const all = await core.listNamespacedConfigMap({ namespace: NS });
    expect(all.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(all.items.map((c) => c.metadata?.name)).toEqual(expect.arrayContaining(['one', 'two']));
    const sel = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'tier=b' });
    expect(sel.items.map((c) => c.metadata?.name)).toEqual(['two']);
    const page = await core.listNamespacedConfigMap({ namespace: NS, limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.metadata?._continue).toBeTruthy();
    const rest = await core.listNamespacedConfigMap({
      namespace: NS,
      limit: 10,
      _continue: page.metadata!._continue,
    });
    expect([...page.items, ...rest.items].map((c) => c.metadata?.name)).toEqual(
      all.items.map((c) => c.metadata?.name),
    );
  });

  it('create, read, patch (merge, JSON, strategic) and delete; errors are Status objects', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'patched' }, data: { a: '1', b: '2' } },
    });
    expect(created.metadata?.uid).toBeTruthy();
    const merged = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace: NS, body: { data: { a: null, c: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.data).toEqual({ b: '2', c: '3' });
    const json = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace: NS, body: [{ op: 'replace', path: '/data/b', value: 'two' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(json.data).toEqual({ b: 'two', c: '3' });
    const ssa = await core.patchNamespacedConfigMap(
      {
        name: 'patched',
        namespace: NS,
        fieldManager: 'client-node-test',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'patched', namespace: NS },
          data: { d: '4' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(ssa.data).toEqual({ b: 'two', c: '3', d: '4' });
    expect(ssa.metadata?.managedFields?.map((m) => m.manager)).toContain('client-node-test');

    const dep = await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'api' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'api' } },
          template: {
            metadata: { labels: { app: 'api' } },
            spec: {
              containers: [
                { name: 'app', image: 'skiff-test/busybox:1', env: [{ name: 'A', value: '1' }] },
                { name: 'side', image: 'skiff-test/busybox:1' },
              ],
            },
          },
        },
      },
    });
    expect(dep.spec?.strategy?.type).toBe('RollingUpdate'); // defaulted by the server
    const smp = await apps.patchNamespacedDeployment(
      {
        name: 'api',
        namespace: NS,
        body: {
          spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const c = smp.spec?.template.spec?.containers ?? [];
    expect(c.map((x) => x.name)).toEqual(['app', 'side']); // merged by name
    // Without $setElementOrder, upstream keeps the server's items first and appends new ones.
    expect(c[0].env?.map((e) => `${e.name}=${e.value}`)).toEqual(['A=1', 'B=2']);
    await apps.deleteNamespacedDeployment({ name: 'api', namespace: NS });

    const del = await core.deleteNamespacedConfigMap({ name: 'patched', namespace: NS });
    expect((del as V1Status).status ?? 'Success').toBe('Success');
    const err = await core.readNamespacedConfigMap({ name: 'patched', namespace: NS }).then(
      () => undefined,
      (e: { code?: number; body?: string }) => e,
    );
    expect(err?.code).toBe(404);
    expect(JSON.parse(err!.body!)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const dup = await core
      .createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'one' } } })
      .then(
        () => undefined,
        (e: { code?: number }) => e,
      );
    expect(dup?.code).toBe(409);
  });

  it('watches: ADDED / MODIFIED / DELETED in order', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const events: string[] = [];
    const w = new Watch(kc);
    const req = await w.watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { resourceVersion: list.metadata!.resourceVersion },
      (phase, obj: V1ConfigMap) => events.push(`${phase} ${obj.metadata?.name} ${obj.data?.v ?? ''}`.trim()),
      () => undefined,
    );
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'w' }, data: { v: '1' } },
    });
    await core.replaceNamespacedConfigMap({
      name: 'w',
      namespace: NS,
      body: { metadata: { name: 'w' }, data: { v: '2' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: NS });
    await eventually(() => events.length >= 3, 20_000, 'three watch events');
    req.abort();
    expect(events).toEqual(['ADDED w 1', 'MODIFIED w 2', 'DELETED w 2']);
  });

  it('an informer (ListWatch) cache resumes across a restart without a 410 or a relist', async () => {
    const watch = new RecordingWatch(kc);
    let lists = 0;
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    const informer = new ListWatch<V1ConfigMap>(
      path,
      watch,
      () => {
        lists++;
        return core.listNamespacedConfigMap({ namespace: NS });
      },
      false,
    );
    const adds: string[] = [];
    const deletes: string[] = [];
    let errors = 0;
    informer.on('add', (o) => adds.push(o.metadata!.name!));
    informer.on('delete', (o) => deletes.push(o.metadata!.name!));
    let stopped = false;
    // client-node's README pattern: restart the informer when it reports an error.
    informer.on('error', () => {
      errors++;
      if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 300);
    });
    try {
      await informer.start();
      const names = () =>
        informer
          .list(NS)
          .map((c) => c.metadata!.name!)
          .sort();
      await eventually(() => names().includes('one') && names().includes('two'), 20_000, 'initial list');
      expect(lists).toBe(1);
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'before' } } });
      await eventually(() => names().includes('before'), 20_000, 'watched ADD');
      const heldRv = Number(informer.latestResourceVersion());
      expect(heldRv).toBeGreaterThan(0);
      // A write the informer does not watch, so that its resourceVersion is older than the
      // revision the store recovers at: resuming from it needs the history kept over the restart.
      await core.createNamespacedConfigMap({ namespace: OTHER, body: { metadata: { name: 'elsewhere' } } });

      expect(await skiff.stop()).toBe(0);
      await eventually(() => errors > 0, 30_000, 'the informer noticing the server is gone');
      await start();
      // Changes the informer learns about from its resumed watch.
      await core.deleteNamespacedConfigMap({ name: 'one', namespace: NS });
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'after' } } });

      await eventually(
        () => names().includes('after') && !names().includes('one'),
        60_000,
        'the informer cache to match the server after the restart',
      );
      expect(watch.codes).not.toContain(410);
      expect(lists).toBe(1);
      expect(deletes).toContain('one');
      expect(adds).toContain('after');
      const server = (await core.listNamespacedConfigMap({ namespace: NS })).items
        .map((c) => c.metadata!.name!)
        .sort();
      expect(names()).toEqual(server);
      // And it keeps watching: a later change arrives without another list.
      const listsNow = lists;
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'later' } } });
      await eventually(() => names().includes('later'), 20_000, 'watched ADD after the restart');
      expect(lists).toBe(listsNow);
      expect(Number(informer.latestResourceVersion())).toBeGreaterThan(heldRv);
    } finally {
      stopped = true;
      await informer.stop();
    }
  }, 180_000);

  it('reads logs and execs in a real container', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'box' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: 'skiff-test/busybox:1',
              imagePullPolicy: 'IfNotPresent',
              command: [
                'sh',
                '-c',
                "echo line-1; echo line-2; trap 'exit 0' TERM; while true; do sleep 1; done",
              ],
            },
          ],
        },
      },
    });
    await eventually(
      async () => (await core.readNamespacedPod({ name: 'box', namespace: NS })).status?.phase === 'Running',
      90_000,
      'pod Running',
    );
    const text = await eventually(
      async () => {
        const t = await core.readNamespacedPodLog({ name: 'box', namespace: NS, container: 'main' });
        return t.includes('line-2') && t;
      },
      20_000,
      'log lines',
    );
    expect(text).toBe('line-1\nline-2\n');
    const out = sink();
    // client-node 1.4 ignores Log's done callback; the piped stream finishes when the log ends.
    await new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      new Log(kc).log(NS, 'box', 'main', out, { tailLines: 1 }).catch(reject);
    });
    expect(out.text()).toBe('line-2\n');

    const exec = async (cmd: string[], stdin?: string) => {
      const stdout = sink();
      const stderr = sink();
      const { Readable } = await import('node:stream');
      const status = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kc)
          .exec(
            NS,
            'box',
            'main',
            cmd,
            stdout,
            stderr,
            stdin === undefined ? null : Readable.from([stdin]),
            false,
            resolve,
          )
          .catch(reject);
      });
      return { status, stdout: stdout.text(), stderr: stderr.text() };
    };
    const okRun = await exec(['sh', '-c', 'echo out; echo err >&2; hostname']);
    expect(okRun.status.status).toBe('Success');
    expect(okRun.stdout).toBe('out\nbox\n');
    expect(okRun.stderr).toBe('err\n');
    const fail = await exec(['sh', '-c', 'exit 7']);
    expect(fail.status.status).toBe('Failure');
    expect(fail.status.reason).toBe('NonZeroExitCode');
    expect(fail.status.details?.causes).toEqual([{ reason: 'ExitCode', message: '7' }]);
    const piped = await exec(['sh', '-c', 'tr a-z A-Z'], 'from client-node\n');
    expect(piped.stdout).toBe('FROM CLIENT-NODE\n');
  }, 150_000);
});
