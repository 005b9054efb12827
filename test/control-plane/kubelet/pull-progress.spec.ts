import { describe, expect, it } from 'vitest';
import {
  PullProgressTracker,
  type PullProgress,
} from '../../../src-main/control-plane/kubelet/pull-progress';
import { FakeClock } from '../helpers/fake-api';

function setup() {
  const clock = new FakeClock();
  const published: PullProgress[] = [];
  const t = new PullProgressTracker('example/app:1', clock, (p) => published.push(p));
  return { clock, published, t };
}

describe('PullProgressTracker', () => {
  it('publishes the first message at once, then at most once a second with the newest figure', async () => {
    const { clock, published, t } = setup();
    t.update({ status: 'Pulling from example/app', id: '1' });
    expect(published).toHaveLength(0); // not a layer message
    t.update({ status: 'Downloading', id: 'aaa', current: 10, total: 100 });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      image: 'example/app:1',
      percent: 10,
      currentBytes: 10,
      totalBytes: 100,
    });

    await clock.advance(200);
    t.update({ status: 'Downloading', id: 'aaa', current: 40, total: 100 });
    t.update({ status: 'Downloading', id: 'bbb', current: 0, total: 100 });
    await clock.advance(300);
    t.update({ status: 'Downloading', id: 'aaa', current: 60, total: 100 });
    expect(published).toHaveLength(1);

    await clock.advance(500); // one second after the first publication
    expect(published).toHaveLength(2);
    expect(published[1]).toMatchObject({ percent: 30, currentBytes: 60, totalBytes: 200, layers: 2 });

    await clock.advance(5_000); // nothing new: nothing published
    expect(published).toHaveLength(2);
    t.update({ status: 'Pull complete', id: 'aaa' });
    expect(published).toHaveLength(3);
    expect(published[2]).toMatchObject({ currentBytes: 100, layersDone: 1, layers: 2 });
  });

  it('publishes nothing after close, and drops the held figure', async () => {
    const { clock, published, t } = setup();
    t.update({ status: 'Downloading', id: 'aaa', current: 1, total: 10 });
    t.update({ status: 'Downloading', id: 'aaa', current: 5, total: 10 });
    t.close();
    await clock.advance(2_000);
    t.update({ status: 'Downloading', id: 'aaa', current: 9, total: 10 });
    expect(published).toHaveLength(1);
    expect(clock.pendingTimers()).toEqual([]);
  });
});
