// Image operations on the engine (inspect, pull, list, remove, import the sandbox image); only images.
import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import type { ImageInfo, PullOptions } from '../runtime';
import { hasStatus } from './engine-errors';
import { DEFAULT_SANDBOX_IMAGE, pauseRootfsTar } from './pause-image';

/** The image `ref` names, or undefined when the engine has none. */
export async function imageStatus(docker: Docker, ref: string): Promise<ImageInfo | undefined> {
  try {
    const i = await docker.getImage(ref).inspect();
    return { id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [], size: i.Size };
  } catch (err) {
    if (hasStatus(err, 404)) return undefined;
    throw err;
  }
}

/** Pulls `ref` to the end of the engine's progress stream; rejects with the engine's error. */
export async function pull(docker: Docker, ref: string, opts: PullOptions): Promise<void> {
  const stream = (await docker.pull(ref, {
    authconfig: opts.auth,
    abortSignal: opts.signal,
  })) as NodeJS.ReadableStream;
  await readProgress(stream, opts.onProgress);
}

export async function listImages(docker: Docker): Promise<ImageInfo[]> {
  const list = await docker.listImages();
  return list.map((i) => ({
    id: i.Id,
    repoTags: i.RepoTags ?? [],
    repoDigests: i.RepoDigests ?? [],
    size: i.Size,
  }));
}

/** Removes the image; one already gone is as good as removed. */
export async function removeImage(docker: Docker, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).remove();
  } catch (err) {
    if (!hasStatus(err, 404)) throw err;
  }
}

/** Builds Skiff's default sandbox image (`/pause`, `/relay`, `/netd`) from the shipped binaries. */
export async function importDefaultImage(docker: Docker): Promise<void> {
  const [repo, tag] = DEFAULT_SANDBOX_IMAGE.split(':');
  const stream = (await (docker.importImage as (...a: unknown[]) => Promise<unknown>).call(
    docker,
    Readable.from([pauseRootfsTar()]),
    { repo, tag, changes: ['CMD ["/pause"]'] },
  )) as NodeJS.ReadableStream;
  await readProgress(stream);
}

/** Reads an engine JSON progress stream to its end; rejects with the engine's error line. */
export function readProgress(
  stream: NodeJS.ReadableStream,
  onProgress?: PullOptions['onProgress'],
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let failure: string | undefined;
    const handle = (line: string) => {
      if (!line.trim()) return;
      try {
        const m = JSON.parse(line) as {
          status?: string;
          id?: string;
          progress?: string;
          progressDetail?: { current?: number; total?: number };
          error?: string;
          errorDetail?: { message?: string };
        };
        if (m.error || m.errorDetail?.message) failure = m.errorDetail?.message ?? m.error;
        else if (m.status)
          onProgress?.({
            status: m.status,
            id: m.id,
            detail: m.progress,
            current: m.progressDetail?.current,
            total: m.progressDetail?.total,
          });
      } catch {
        // Not JSON: progress noise.
      }
    };
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        handle(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      handle(buf);
      if (failure) reject(new Error(failure));
      else resolve();
    });
    stream.on('error', reject);
  });
}
