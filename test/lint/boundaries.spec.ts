import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

// Shows that eslint.config.js's boundary rules fail on a deliberate violation: each case lints
// source text as if it stood at a path in src-main (nothing is written to disk) with the
// project's real config, and expects the rule's error — or, for the allowed imports, none.
const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleErrors(path: string, code: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return result.messages.filter((m) => m.severity === 2).map((m) => ({ rule: m.ruleId, message: m.message }));
}

describe('control-plane boundary lint rules', () => {
  it('a component importing another component is an error', async () => {
    const errs = await ruleErrors(
      'src-main/control-plane/scheduler/violation.ts',
      "import { ControllerManager } from '../controllers/controller-manager';\nexport const x = ControllerManager;\n",
    );
    expect(errs).toEqual([
      expect.objectContaining({
        rule: 'import-x/no-restricted-paths',
        message: expect.stringMatching(/never import each other/),
      }),
    ]);
  });

  it('the kubelet may not import the store, and the API server may not import the scheduler', async () => {
    const kubelet = await ruleErrors(
      'src-main/control-plane/kubelet/violation.ts',
      "import { MvccIndex } from '../store/mvcc';\nexport const x = MvccIndex;\n",
    );
    expect(kubelet.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
    const apiserver = await ruleErrors(
      'src-main/control-plane/apiserver/registry/violation.ts',
      "import { Scheduler } from '../../scheduler/scheduler';\nexport const x = Scheduler;\n",
    );
    expect(apiserver.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
  });

  it('client machinery may not import a component', async () => {
    const errs = await ruleErrors(
      'src-main/control-plane/client/violation.ts',
      "import { Scheduler } from '../scheduler/scheduler';\nexport const x = Scheduler;\n",
    );
    expect(errs.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
  });

  it('components may import client/, common/ and (API server only) the store; cluster.ts may import all', async () => {
    expect(
      await ruleErrors(
        'src-main/control-plane/scheduler/allowed.ts',
        "import { Controller } from '../client/controller';\nimport { R } from '../../common/resources';\nexport const x = [Controller, R];\n",
      ),
    ).toEqual([]);
    expect(
      await ruleErrors(
        'src-main/control-plane/apiserver/allowed.ts',
        "import { MvccIndex } from '../store/mvcc';\nexport const x = MvccIndex;\n",
      ),
    ).toEqual([]);
    expect(
      await ruleErrors(
        'src-main/control-plane/cluster-allowed.ts',
        "import { Scheduler } from './scheduler/scheduler';\nimport { ControllerManager } from './controllers/controller-manager';\nexport const x = [Scheduler, ControllerManager];\n",
      ),
    ).toEqual([]);
  });

  it('the store imports only common/ and npm packages; only the store imports etcd3', async () => {
    const client = await ruleErrors(
      'src-main/control-plane/store/violation.ts',
      "import { Controller } from '../client/controller';\nexport const x = Controller;\n",
    );
    expect(client).toEqual([
      expect.objectContaining({
        rule: 'import-x/no-restricted-paths',
        message: expect.stringMatching(/store imports only common/),
      }),
    ]);
    expect(
      await ruleErrors(
        'src-main/control-plane/store/allowed.ts',
        "import { Etcd3 } from 'etcd3';\nimport { realClock } from '../../common/clock';\nexport const x = [Etcd3, realClock];\n",
      ),
    ).toEqual([]);
    const etcdElsewhere = await ruleErrors(
      'src-main/control-plane/apiserver/violation.ts',
      "import { Etcd3 } from 'etcd3';\nexport const x = Etcd3;\n",
    );
    expect(etcdElsewhere).toEqual([
      expect.objectContaining({
        rule: 'no-restricted-imports',
        message: expect.stringMatching(/Only src-main\/control-plane\/store talks to etcd/),
      }),
    ]);
  });

  it('an import cycle is an error (filters.ts importing scheduler.ts, which imports filters.ts)', async () => {
    const errs = await ruleErrors(
      'src-main/control-plane/scheduler/filters.ts',
      "import { Scheduler } from './scheduler';\nexport const x = Scheduler;\n",
    );
    expect(errs.map((e) => e.rule)).toEqual(['import-x/no-cycle']);
  });

  it('a handler importing the router (rest.ts), even as a type, is an error', async () => {
    const errs = await ruleErrors(
      'src-main/control-plane/apiserver/violation.ts',
      "import type { ResourceRequest } from './rest';\nexport type X = ResourceRequest;\n",
    );
    expect(errs.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
  });

  it('a verb handler (apiserver/handlers/) importing the router is an error; its shared types are in handlers/common.ts', async () => {
    const back = await ruleErrors(
      'src-main/control-plane/apiserver/handlers/get.ts',
      "import type { RestDeps } from '../rest';\nexport type X = RestDeps;\n",
    );
    expect(back.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
    const ok = await ruleErrors(
      'src-main/control-plane/apiserver/handlers/get.ts',
      "import type { RestDeps } from './common';\nexport type X = RestDeps;\n",
    );
    expect(ok).toEqual([]);
  });

  it('pod-logs.ts, pod-stream-proxy.ts and metrics.ts no longer import the router: ResourceRequest is in request.ts', async () => {
    for (const file of ['pod-logs', 'pod-stream-proxy', 'metrics']) {
      const back = await ruleErrors(
        `src-main/control-plane/apiserver/${file}.ts`,
        "import type { RestDeps } from './rest';\nexport type X = RestDeps;\n",
      );
      expect(back.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
      const ok = await ruleErrors(
        `src-main/control-plane/apiserver/${file}.ts`,
        "import type { ResourceRequest } from './request';\nexport type X = ResourceRequest;\n",
      );
      expect(ok).toEqual([]);
    }
  });
});
