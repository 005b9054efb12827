import { describe, expect, it } from 'vitest';
import { R } from '../../../src-main/common/resources';
import type { KubeObject } from '../../../src-main/common/types';
import { deleteExact } from '../../../src-main/control-plane/controllers/controller-util';
import { FakeApi } from '../helpers/fake-api';

describe('deleteExact', () => {
  const cm = (name: string): KubeObject => ({ metadata: { name, namespace: 'default' } });

  it('deletes with a uid precondition and the given propagation policy', async () => {
    const api = new FakeApi();
    const obj = api.seed(R.configmaps, cm('a'));
    expect(await deleteExact(api.client, R.configmaps, obj, { propagationPolicy: 'Background' })).toBe(true);
    expect(api.getObject(R.configmaps, 'default', 'a')).toBeUndefined();
    expect(api.writesOf('delete')[0].body).toMatchObject({
      propagationPolicy: 'Background',
      preconditions: { uid: obj.metadata.uid },
    });
  });

  it('answers false when the object is gone, or was replaced by a namesake (which survives)', async () => {
    const api = new FakeApi();
    const old = api.seed(R.configmaps, cm('a'));
    api.remove(R.configmaps, 'default', 'a');
    expect(await deleteExact(api.client, R.configmaps, old)).toBe(false);
    const namesake = api.seed(R.configmaps, cm('a'));
    expect(await deleteExact(api.client, R.configmaps, old)).toBe(false);
    expect(api.getObject(R.configmaps, 'default', 'a')?.metadata.uid).toBe(namesake.metadata.uid);
  });

  it('throws any other error', async () => {
    const api = new FakeApi();
    const obj = api.seed(R.configmaps, cm('a'));
    api.reactors.push((req) =>
      req.method === 'DELETE'
        ? { status: 500, headers: {}, body: JSON.stringify({ kind: 'Status', code: 500, message: 'boom' }) }
        : undefined,
    );
    await expect(deleteExact(api.client, R.configmaps, obj)).rejects.toMatchObject({ code: 500 });
  });
});
