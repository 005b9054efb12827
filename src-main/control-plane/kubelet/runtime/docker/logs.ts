// A container's logs from the engine as plain bytes (follow, tail, since); only reads the engine.
import type Docker from 'dockerode';
import { PassThrough, Readable } from 'node:stream';
import type { LogOptions } from '../runtime';
import { DemuxTransform } from './stream-demux';

/** The container's logs; destroying the result closes the engine connection. */
export async function containerLogs(docker: Docker, id: string, opts: LogOptions): Promise<Readable> {
  const container = docker.getContainer(id);
  const info = await container.inspect();
  const params: Record<string, unknown> = {
    stdout: true,
    stderr: true,
    timestamps: !!opts.timestamps,
    tail: opts.tailLines !== undefined ? opts.tailLines : 'all',
    // Docker reads "seconds.nanoseconds"; a plain float would put milliseconds in the nanos.
    since: opts.sinceMs !== undefined ? sinceParam(opts.sinceMs) : 0,
  };
  let raw: Readable;
  if (opts.follow) {
    raw = (await container.logs({ ...params, follow: true } as never)) as unknown as Readable;
  } else {
    const buf = (await container.logs({ ...params, follow: false } as never)) as unknown as Buffer;
    raw = Readable.from([buf]);
  }
  // With a TTY the engine sends the raw terminal bytes; otherwise 8-byte framed stdout/stderr.
  if (info.Config.Tty) return raw.pipe(new PassThrough());
  const out = raw.pipe(new DemuxTransform());
  // Destroying the result must close the engine connection (the client went away).
  out.on('close', () => raw.destroy());
  raw.on('error', (err) => out.destroy(err));
  return out;
}

/** Milliseconds since the epoch in the engine's "seconds.nanoseconds" spelling. */
export function sinceParam(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const nanos = Math.round((ms - sec * 1000) * 1e6);
  return `${sec}.${String(nanos).padStart(9, '0')}`;
}
