// The decoded-object cache of the object storage: each stored value parsed once per key and revision, deep-frozen and shared by lists and watches; pure, holds no backend.
import type { KubeObject, ObjectMeta } from '../../common/types';
import type { KeyValue } from '../store/backend';
import { DecryptError, type ValueTransformer } from './encryption';
import { StatusError } from './status';

/** A parsed object cached per key: the newest seen revision and the one before it. */
interface Cached {
  rev: number;
  obj: KubeObject;
  prevRev?: number;
  prevObj?: KubeObject;
}

/** Parsed objects by key and modRevision (see object-storage.ts's module comment). */
export class ObjectCache {
  private readonly entries = new Map<string, Cached>();

  /** `transformer` decrypts stored values (encryption at rest); none = values are plain JSON. */
  constructor(private readonly transformer?: ValueTransformer) {}

  /**
   * A private, mutable copy of the object stored in `kv`. A value that cannot be decrypted is a
   * 500 naming the key and the cause (as kube-apiserver's "unable to transform key"), for this
   * request only.
   */
  fresh(kv: KeyValue): KubeObject {
    let json = kv.value;
    if (this.transformer) {
      try {
        json = this.transformer.fromStorage(kv.key, kv.value);
      } catch (err) {
        if (!(err instanceof DecryptError)) throw err;
        throw new StatusError(500, 'InternalError', `Internal error occurred: ${err.message}`);
      }
    }
    const obj = JSON.parse(json) as KubeObject;
    obj.metadata = obj.metadata ?? {};
    (obj.metadata as { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] }).resourceVersion = String(
      kv.modRevision,
    );
    return obj;
  }

  /**
   * The shared, frozen object stored in `kv` (parsed once per key and revision). `remember`
   * false: do not add it to the cache (the key is deleted; caching it would leak).
   */
  shared(kv: KeyValue, remember = true): KubeObject {
    const c = this.entries.get(kv.key);
    if (c) {
      if (c.rev === kv.modRevision) return c.obj;
      if (c.prevRev === kv.modRevision) return c.prevObj!;
    }
    const obj = deepFreeze(this.fresh(kv));
    if (remember && (!c || kv.modRevision > c.rev)) {
      // Keep the previous revision too: a watch event needs both the old and the new object.
      this.entries.set(kv.key, { rev: kv.modRevision, obj, prevRev: c?.rev, prevObj: c?.obj });
    }
    return obj;
  }

  /** Drops a deleted key. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
