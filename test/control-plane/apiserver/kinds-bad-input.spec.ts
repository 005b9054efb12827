/**
 * Bad input for every issue-3 kind: wrongly typed fields at every level must come back as a 4xx
 * Status, never a 5xx, and nothing invalid is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, apiVersionOf } from '../../../src-main/common/resources';
import { startApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startApi();
});
afterAll(async () => {
  await t?.stop();
});

const JUNK: unknown[] = ['x', 7, true, [], [1, 'a'], { a: 1 }, null];
const FIELDS = [
  'ports',
  'selector',
  'template',
  'schedule',
  'jobTemplate',
  'accessModes',
  'resources',
  'metrics',
  'rules',
  'limits',
  'hard',
  'updateStrategy',
  'replicas',
  'scaleTargetRef',
  'volumeClaimTemplates',
  'type',
  'clusterIP',
  'capacity',
  'minAvailable',
  'podSelector',
  'versions',
  'names',
  'group',
  'scope',
  'behavior',
  'completions',
  'timeZone',
];
const TOP = [
  'data',
  'stringData',
  'binaryData',
  'subsets',
  'type',
  'provisioner',
  'value',
  'addressType',
  'endpoints',
  'regarding',
  'eventTime',
  'revision',
  'immutable',
];

const served = RESOURCES.filter(
  (r) =>
    r.verbs?.includes('create') &&
    !r.group.endsWith('authorization.k8s.io') &&
    !r.group.startsWith('authentication') &&
    !r.group.startsWith('metrics'),
);

describe('bad input for every kind', () => {
  it.each(served.map((r) => [`${r.group || 'core'}/${r.plural}`, r] as const))(
    '%s answers 4xx',
    async (_n, r) => {
      const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const path = `${base}${r.namespaced ? '/namespaces/default' : ''}/${r.plural}`;
      const bodies: unknown[] = [];
      for (const j of JUNK) {
        bodies.push({ spec: j });
        bodies.push({ spec: Object.fromEntries(FIELDS.map((f) => [f, j])) });
        bodies.push(Object.fromEntries(TOP.map((f) => [f, j])));
        bodies.push({
          spec: { template: { spec: { containers: j } }, jobTemplate: { spec: { template: j } } },
        });
        bodies.push({ spec: { ports: [j], rules: [j], metrics: [j], limits: [j], versions: [j] } });
      }
      let i = 0;
      for (const b of bodies) {
        const body = {
          apiVersion: apiVersionOf(r),
          kind: r.kind,
          metadata: { name: `junk-${i++}` },
          ...(b as object),
        };
        const res = await t.request({
          method: 'POST',
          path,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status, `${JSON.stringify(body)} → ${res.body}`).toBeLessThan(500);
        if (res.status < 300) {
          // Whatever was accepted reads back and updates cleanly.
          const name = JSON.parse(res.body).metadata.name as string;
          const put = await t.request({ method: 'GET', path: `${path}/${name}` });
          expect(put.status).toBe(200);
          const again = await t.request({
            method: 'PUT',
            path: `${path}/${name}`,
            headers: { 'Content-Type': 'application/json' },
            body: put.body,
          });
          expect(again.status, again.body).toBeLessThan(300);
        } else expect(JSON.parse(res.body).kind).toBe('Status');
      }
    },
  );
});
