import type { Event, KubeObject } from '../../common/types';
import { R, apiVersionOf, findByKind } from '../../common/resources';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import { realClock, type Clock } from '../../common/clock';

/**
 * Records core/v1 Events about objects, as client-go's EventRecorder does: repeated events for
 * the same object, reason and message are folded into one Event with a growing `count`.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number }>();
  private seq = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly host = '',
    private readonly clock: Clock = realClock,
  ) {}

  /** Records an event; failures are logged by the caller's onError, never thrown. */
  async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const apiVersion = obj.apiVersion ?? '';
    const kind = obj.kind ?? '';
    const key = `${namespace}/${obj.metadata.uid ?? obj.metadata.name}/${type}/${reason}/${message}`;
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const seen = this.recent.get(key);
    try {
      if (seen) {
        seen.count++;
        await this.client.patch(
          R.events,
          seen.name,
          seen.namespace,
          { count: seen.count, lastTimestamp: now },
          'merge',
        );
        return;
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.recent.delete(key);
    }
    const t = findByKind(apiVersion, kind);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      // Named like client-go's recorder (`<object>.<unix nanos in hex>`): a generateName ending
      // in '.' is not a valid DNS subdomain prefix, so the API server rejects it.
      metadata: {
        name: `${obj.metadata.name}.${(BigInt(this.clock.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`,
        namespace,
      },
      involvedObject: {
        apiVersion: apiVersion || (t ? apiVersionOf(t) : undefined),
        kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.component, host: this.host || undefined },
      reportingComponent: this.component,
      reportingInstance: this.host || undefined,
    };
    const created = await this.client.create(R.events, ev as unknown as KubeObject);
    this.recent.set(key, { name: created.metadata.name!, namespace, count: 1 });
    if (this.recent.size > 5000) this.recent.delete(this.recent.keys().next().value!);
  }
}
