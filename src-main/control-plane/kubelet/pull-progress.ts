import type { Clock } from '../../common/clock';

/** Pod annotation with the progress of an image pull the pod waits for (JSON, removed when done). */
export const PULL_PROGRESS_ANNOTATION = 'skiff.dev/pull-progress';

/** The value of {@link PULL_PROGRESS_ANNOTATION}. */
export interface PullProgress {
  image: string;
  /** 0–100 over the layers whose size is known so far; absent until one is. */
  percent?: number;
  /** Bytes downloaded and to download, summed over the layers seen so far. */
  currentBytes: number;
  totalBytes: number;
  layersDone: number;
  layers: number;
  /** RFC 3339 time of this figure. */
  updatedAt: string;
}

/** One engine progress message (a Docker pull stream line). */
export interface PullProgressMessage {
  status: string;
  id?: string;
  current?: number;
  total?: number;
}

const LAYER =
  /^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)$/;
const DONE = /^(Pull complete|Already exists|Download complete)$/;

/**
 * Folds the per-layer messages of one pull into a single figure and hands it to `publish` at most
 * once per `intervalMs`: the first message is published at once, later ones in that interval
 * are held and the newest is published when it ends (so the last figure is never lost).
 */
export class PullProgressTracker {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();
  private lastPublished = -Infinity;
  private timer: unknown;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly image: string,
    private readonly clock: Clock,
    private readonly publish: (p: PullProgress) => void,
    private readonly intervalMs = 1_000,
  ) {}

  update(m: PullProgressMessage): void {
    if (this.closed || !m.id || !LAYER.test(m.status)) return;
    const l = this.layers.get(m.id) ?? { current: 0, total: 0, done: false };
    if (m.status === 'Downloading' && m.total) {
      l.total = m.total;
      l.current = Math.min(m.current ?? 0, m.total);
    } else if (DONE.test(m.status)) {
      l.done = m.status !== 'Download complete' || l.done;
      if (l.total) l.current = l.total;
    }
    this.layers.set(m.id, l);
    this.dirty = true;
    const wait = this.lastPublished + this.intervalMs - this.clock.now();
    if (wait <= 0) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), wait);
  }

  /** The current figure. */
  current(): PullProgress {
    let currentBytes = 0;
    let totalBytes = 0;
    let layersDone = 0;
    for (const l of this.layers.values()) {
      currentBytes += l.current;
      totalBytes += l.total;
      if (l.done) layersDone++;
    }
    return {
      image: this.image,
      percent: totalBytes ? Math.floor((currentBytes / totalBytes) * 100) : undefined,
      currentBytes,
      totalBytes,
      layersDone,
      layers: this.layers.size,
      updatedAt: new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  }

  /** The pull ended: nothing more is published. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    if (this.closed || !this.dirty) return;
    this.dirty = false;
    this.lastPublished = this.clock.now();
    this.publish(this.current());
  }
}
