/**
 * A private Docker engine for suites that stop and restart the daemon, so they never touch the
 * machine's shared dockerd or its containers: its own unix socket, --data-root, --exec-root and
 * --pidfile under a temporary folder, no iptables/NAT/ip_forward changes, and its own bridge
 * interface (created here, removed in `remove()`).
 *
 * Not `--bridge=none`: with the bridge disabled, dockerd deletes the host's `docker0` interface
 * at start (moby's removeDefaultBridgeInterface), which breaks the shared engine's default network.
 * Stopped and started only by the pid this helper spawned.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Why a private engine cannot run here, or undefined when it can (root, dockerd, ip). */
export function privateDockerdUnsupported(): string | undefined {
  if (process.getuid?.() !== 0) return 'a private dockerd needs root';
  for (const bin of ['dockerd', 'ip', 'docker'])
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not on PATH`;
  return undefined;
}

export interface PrivateDockerd {
  /** Socket path, for `skiff serve --docker-socket`. */
  socket: string;
  /** DOCKER_HOST value. */
  host: string;
  /** Pid of the running daemon (0 while stopped). */
  readonly pid: number;
  /** Runs the docker CLI against this engine; returns stdout. */
  docker(...args: string[]): string;
  up(): boolean;
  start(): Promise<void>;
  /** SIGTERM to our daemon's pid, waiting until it has exited. */
  stop(): Promise<void>;
  /** Stops it and removes its folder and bridge. */
  remove(): Promise<void>;
}

/** A /24 in 10.254.0.0/16 that no host interface uses. */
function freeSubnet(): string {
  const used = new Set(
    Object.values(os.networkInterfaces())
      .flat()
      .map((a) => a?.address ?? ''),
  );
  for (let i = 0; i < 256; i++) {
    const n = (randomBytes(1)[0]! + i) % 256;
    if (![...used].some((a) => a.startsWith(`10.254.${n}.`))) return `10.254.${n}`;
  }
  throw new Error('no free 10.254.x.0/24 for the private dockerd bridge');
}

export async function startPrivateDockerd(opts: { loadTestImages?: boolean } = {}): Promise<PrivateDockerd> {
  const dir = fs.mkdtempSync('/tmp/skpd-'); // short: containerd's socket path must stay < 108 bytes
  const id = randomBytes(3).toString('hex');
  const bridge = `skpd${id}`;
  const net = freeSubnet();
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `${net}.1/24`, 'dev', bridge]);
  execFileSync('ip', ['link', 'set', bridge, 'up']);
  const socket = path.join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const args = [
    '-H',
    host,
    '--data-root',
    path.join(dir, 'data'),
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    path.join(dir, 'docker.pid'),
    '--bridge',
    bridge,
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
  ];
  let pid = 0;
  const docker = (...a: string[]) =>
    execFileSync('docker', ['-H', host, ...a], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  const up = () => {
    try {
      docker('info', '--format', '{{.ServerVersion}}');
      return true;
    } catch {
      return false;
    }
  };
  const alive = () => {
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const start = async () => {
    const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
    const child = spawn('dockerd', args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    fs.closeSync(log);
    pid = child.pid!;
    for (let i = 0; i < 120 && !up(); i++) {
      if (!alive()) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (!up())
      throw new Error(
        `private dockerd did not start:\n${fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`,
      );
  };
  const stop = async () => {
    if (!alive()) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 240 && alive(); i++) await new Promise((r) => setTimeout(r, 250));
    if (alive()) process.kill(pid, 'SIGKILL');
    pid = 0;
  };
  const d: PrivateDockerd = {
    socket,
    host,
    get pid() {
      return pid;
    },
    docker,
    up,
    start,
    stop,
    async remove() {
      // The bridges of this engine's own networks (a Skiff cluster network, say) outlive the
      // daemon; left behind, each keeps its subnet's route on the host and shadows the shared
      // engine's network that later takes the same subnet.
      let networkBridges: string[] = [];
      if (up()) {
        networkBridges = docker('network', 'ls', '-q', '--no-trunc', '--filter', 'driver=bridge')
          .split('\n')
          .filter(Boolean)
          .map((nid) => `br-${nid.slice(0, 12)}`);
      }
      await stop();
      for (const b of [bridge, ...networkBridges]) spawnSync('ip', ['link', 'del', b]);
      // The daemon unmounts its layers on shutdown; anything left mounted stays rather than
      // being deleted through a mount.
      const mounted = fs.readFileSync('/proc/mounts', 'utf8').includes(dir);
      if (!mounted) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
    if (opts.loadTestImages) {
      // The test images, built into this engine the way CI builds them (no registry).
      execFileSync('bash', [path.join(ROOT, 'test/images/build.sh')], {
        env: { ...process.env, DOCKER_HOST: host },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
  } catch (err) {
    await d.remove();
    throw err;
  }
  return d;
}
