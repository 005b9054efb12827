// The API server's snapshot endpoint (/apis/skiff.dev/v1/snapshots): saves, lists and serves store snapshots in <dataDir>/backups; reads the store through store/snapshot.ts, writes only that folder.
/**
 * See common/snapshot-api.ts for the wire shape. A save reads the store at one revision while
 * the cluster keeps running (the same consistent cut `skiff snapshot save` makes offline); saves
 * are serialized so two clicks never interleave. Names are checked against the pattern Skiff
 * gives its files, so a download can never leave the backups folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../common/clock';
import { SKIFF_VERSION } from '../../common/version';
import type { SnapshotEntry, SnapshotList } from '../../common/snapshot-api';
import type { Backend } from '../store/backend';
import { readSnapshotHeader, saveSnapshot } from '../store/snapshot';
import { sendJson } from './http';
import { StatusError, internalError, methodNotAllowed } from './status';

const NAME = /^skiff-[0-9A-Za-z-]+\.snap$/;
const RESOURCE = { kind: 'snapshots', group: 'skiff.dev' };

/** Serves `/apis/skiff.dev/v1/snapshots[/{name}]`. */
export class SnapshotApi {
  private readonly dir: string;
  private saving: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly backend: Backend,
    dataDir: string,
    private readonly clock: Clock,
  ) {
    this.dir = path.join(path.resolve(dataDir), 'backups');
  }

  /** `rest` is what follows /apis/skiff.dev/v1 (its first segment is `snapshots`). */
  async handle(req: IncomingMessage, res: ServerResponse, rest: string[]): Promise<void> {
    const method = req.method ?? 'GET';
    if (rest.length === 1) {
      if (method === 'POST') {
        req.resume(); // no body is read: the request itself is the order
        const entry = await this.save();
        return sendJson(res, 201, entry);
      }
      if (method === 'GET') return sendJson(res, 200, await this.list());
      throw methodNotAllowed();
    }
    if (rest.length === 2) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.download(res, rest[1]);
    }
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }

  /** Saves one snapshot now (after any save in progress). */
  save(): Promise<SnapshotEntry> {
    const run = this.saving.then(async () => {
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const now = new Date(this.clock.now());
      let name = `skiff-${now.toISOString().replace(/[:.]/g, '-')}.snap`;
      // Two saves in one millisecond (a fake clock) must not overwrite each other.
      for (let i = 2; fs.existsSync(path.join(this.dir, name)); i++)
        name = `skiff-${now.toISOString().replace(/[:.]/g, '-')}-${i}.snap`;
      try {
        const info = await saveSnapshot(this.backend, path.join(this.dir, name), {
          skiffVersion: SKIFF_VERSION,
          now: () => now,
        });
        return {
          name,
          file: info.file,
          revision: info.revision,
          objects: info.keys,
          bytes: info.bytes,
          createdAt: info.createdAt,
          skiffVersion: info.skiffVersion,
        };
      } catch (err) {
        throw internalError(`saving a snapshot into ${this.dir}: ${(err as Error).message}`);
      }
    });
    this.saving = run.catch(() => undefined);
    return run;
  }

  /** Every backup, latest first. An unreadable file is listed with its error. */
  async list(): Promise<SnapshotList> {
    let names: string[];
    try {
      names = (await fs.promises.readdir(this.dir)).filter((n) => NAME.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw internalError(`reading ${this.dir}: ${(err as Error).message}`);
      names = [];
    }
    const items = await Promise.all(
      names.map(async (name): Promise<SnapshotEntry | undefined> => {
        const file = path.join(this.dir, name);
        let st: fs.Stats;
        try {
          st = await fs.promises.stat(file);
        } catch {
          return undefined; // removed while listing
        }
        const base = { name, file, bytes: st.size };
        try {
          const h = await readSnapshotHeader(file);
          return {
            ...base,
            revision: h.revision,
            objects: h.keys,
            createdAt: h.createdAt,
            skiffVersion: h.skiffVersion,
          };
        } catch (err) {
          const msg = (err as Error).message;
          return { ...base, revision: 0, objects: 0, createdAt: st.mtime.toISOString(), error: msg };
        }
      }),
    );
    const list = items.filter((e): e is SnapshotEntry => !!e);
    list.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
    return { kind: 'SnapshotList', apiVersion: 'skiff.dev/v1', items: list };
  }

  private async download(res: ServerResponse, name: string): Promise<void> {
    const notFound = () =>
      new StatusError(404, 'NotFound', `snapshots.skiff.dev "${name}" not found`, { name, ...RESOURCE });
    if (!NAME.test(name)) throw notFound();
    const file = path.join(this.dir, name);
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound();
      throw internalError(`reading ${file}: ${(err as Error).message}`);
    }
    const { size } = await fh.stat();
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': size,
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-cache, private',
    });
    const stream = fh.createReadStream();
    await new Promise<void>((resolve) => {
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', resolve);
      stream.pipe(res);
    });
  }
}
