// The wire shape of Skiff's snapshot endpoint (/apis/skiff.dev/v1/snapshots), shared by the API server, the CLI and the dashboard; pure types and paths.
/**
 * `POST /apis/skiff.dev/v1/snapshots` saves a snapshot of the store into the data folder's
 * `backups/` and answers one {@link SnapshotEntry}; `GET` of the collection lists the backups,
 * latest first ({@link SnapshotList}); `GET …/snapshots/{name}` downloads one file
 * (`application/octet-stream`, the format of control-plane/store/snapshot.ts). Authorized with
 * the cluster token like every API path; failures are Kubernetes Status bodies. Not in
 * discovery: it is Skiff's own endpoint, not a resource kubectl can list.
 */

/** The collection path. */
export const SNAPSHOTS_PATH = '/apis/skiff.dev/v1/snapshots';

/** One backup file. */
export interface SnapshotEntry {
  /** File name inside `<dataDir>/backups/`, e.g. `skiff-2026-01-02T03-04-05-678Z.snap`. */
  name: string;
  /** Absolute path on the machine running Skiff. */
  file: string;
  /** Store revision the snapshot was read at. */
  revision: number;
  /** Number of stored objects (keys) in it. */
  objects: number;
  /** File size in bytes. */
  bytes: number;
  /** RFC 3339 time of the save. */
  createdAt: string;
  /** The Skiff version that wrote it. */
  skiffVersion?: string;
  /** Set when the file's header cannot be read (the other fields then come from the file system). */
  error?: string;
}

/** The listing, latest first. */
export interface SnapshotList {
  kind: 'SnapshotList';
  apiVersion: 'skiff.dev/v1';
  items: SnapshotEntry[];
}

/** The URL path of one backup. */
export function snapshotPath(name: string): string {
  return `${SNAPSHOTS_PATH}/${encodeURIComponent(name)}`;
}
