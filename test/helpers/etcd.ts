// Test helper: starts and stops throwaway etcd members (127.0.0.1 only, free ports, temp data dirs) by pid, and makes TLS material for them; touches only its own processes and temp dirs.
/**
 * A real etcd for the store tests and the e2e run on etcd. `etcdAvailable()` follows the skip
 * rules of skips.ts: in CI a missing `etcd` binary fails the suite, locally it skips.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { needTool } from './skips';

/** True when an `etcd` binary runs (`etcd --version`); in CI its absence throws. */
export function etcdAvailable(): boolean {
  let ok = true;
  try {
    execFileSync('etcd', ['--version'], { stdio: 'pipe', timeout: 10_000 });
  } catch {
    ok = false;
  }
  return needTool(ok, 'etcd is not installed (`etcd --version` failed; Debian: apt-get install etcd-server)');
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** PEM files for a TLS etcd: a CA, a serving certificate for 127.0.0.1 and a client certificate. */
export interface EtcdCerts {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/** Makes a throwaway CA with server and client certificates in `dir`. */
export function makeEtcdCerts(dir: string): EtcdCerts {
  const pki = forge.pki;
  const keyPair = () => {
    // node:crypto generates the key in milliseconds; forge's pure-JS RSA takes seconds.
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const key = pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
    return { key, pub: pki.setRsaPublicKey(key.n, key.e), pem };
  };
  const cert = (
    cn: string,
    pub: forge.pki.PublicKey,
    signer: forge.pki.rsa.PrivateKey,
    issuer: forge.pki.CertificateField[] | undefined,
    extensions: object[],
  ) => {
    const c = pki.createCertificate();
    c.publicKey = pub;
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    c.serialNumber = serial.toString('hex');
    c.validity.notBefore = new Date(Date.now() - 3600_000);
    c.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
    const subject = [{ name: 'commonName', value: cn }];
    c.setSubject(subject);
    c.setIssuer(issuer ?? subject);
    c.setExtensions(extensions);
    c.sign(signer, forge.md.sha256.create());
    return c;
  };
  const ca = keyPair();
  const caCert = cert('skiff-test-etcd-ca', ca.pub, ca.key, undefined, [
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
  ]);
  const leaf = (cn: string, usage: 'server' | 'client') => {
    const kp = keyPair();
    const c = cert(cn, kp.pub, ca.key, caCert.subject.attributes, [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: true },
      ...(usage === 'server'
        ? [
            {
              name: 'subjectAltName',
              altNames: [
                { type: 7, ip: '127.0.0.1' },
                { type: 2, value: 'localhost' },
              ],
            },
          ]
        : []),
    ]);
    return { cert: pki.certificateToPem(c), key: kp.pem };
  };
  const server = leaf('127.0.0.1', 'server');
  const client = leaf('skiff', 'client');
  const files: EtcdCerts = {
    caFile: path.join(dir, 'ca.crt'),
    serverCertFile: path.join(dir, 'server.crt'),
    serverKeyFile: path.join(dir, 'server.key'),
    clientCertFile: path.join(dir, 'client.crt'),
    clientKeyFile: path.join(dir, 'client.key'),
  };
  fs.writeFileSync(files.caFile, pki.certificateToPem(caCert));
  fs.writeFileSync(files.serverCertFile, server.cert);
  fs.writeFileSync(files.serverKeyFile, server.key, { mode: 0o600 });
  fs.writeFileSync(files.clientCertFile, client.cert);
  fs.writeFileSync(files.clientKeyFile, client.key, { mode: 0o600 });
  return files;
}

/** A throwaway single-member etcd. */
export interface EtcdProcess {
  /** Client URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** `127.0.0.1:<port>`, for an etcd:// store spec. */
  hostPort: string;
  clientPort: number;
  dataDir: string;
  /** Pid of the running member (undefined while stopped). */
  pid(): number | undefined;
  /** Stops the member (SIGTERM, then SIGKILL after 10 s) and waits for its exit. */
  stop(): Promise<void>;
  /** SIGKILLs the member at once (synchronously, by pid); `stop()` then waits for the exit. */
  crash(): void;
  /**
   * Starts the member again on the same data dir; `clientPort` serves it elsewhere for a while
   * (clients of the usual URL then see etcd down while the test writes through the other one).
   */
  start(opts?: { clientPort?: number }): Promise<string>;
  /** Everything the member printed since the helper started it. */
  output(): string;
  /** Stops it and removes its data dir. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
const exitedAlready = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
process.on('exit', () => {
  // A crashed test run must not leave members behind; only our own children, by pid.
  for (const c of running) if (c.pid && !exitedAlready(c)) process.kill(c.pid, 'SIGKILL');
});

/** Starts a fresh member on free ports; TLS (with client-certificate auth) when `certs` is given. */
export async function startEtcd(opts: { certs?: EtcdCerts } = {}): Promise<EtcdProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const scheme = opts.certs ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | undefined;
  let out = '';

  const start = async (o: { clientPort?: number } = {}): Promise<string> => {
    if (child) throw new Error('etcd is already running');
    const at = `${scheme}://127.0.0.1:${o.clientPort ?? clientPort}`;
    const tls = opts.certs
      ? [
          '--cert-file',
          opts.certs.serverCertFile,
          '--key-file',
          opts.certs.serverKeyFile,
          '--trusted-ca-file',
          opts.certs.caFile,
          '--client-cert-auth',
        ]
      : [];
    const c = spawn(
      'etcd',
      [
        '--name',
        'default',
        '--data-dir',
        path.join(dataDir, 'member-data'),
        '--listen-client-urls',
        at,
        '--advertise-client-urls',
        at,
        '--listen-peer-urls',
        peer,
        '--initial-advertise-peer-urls',
        peer,
        '--initial-cluster',
        `default=${peer}`,
        ...tls,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    running.add(c);
    const exited = new Promise<void>((resolve) => c.on('exit', () => resolve()));
    c.on('exit', () => {
      running.delete(c);
      if (child === c) child = undefined;
    });
    let mine = '';
    const onData = (d: Buffer) => {
      mine += d;
      out += d;
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    const deadline = Date.now() + 30_000;
    while (!/serving (insecure )?client requests on/.test(mine)) {
      if (exitedAlready(c)) throw new Error(`etcd exited (${c.exitCode ?? c.signalCode}):\n${mine}`);
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        await exited;
        throw new Error(`etcd did not start within 30 s:\n${mine}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return at;
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || exitedAlready(c)) return;
    const exited = new Promise<void>((resolve) => c.on('exit', () => resolve()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };

  await start();
  return {
    url,
    hostPort: `127.0.0.1:${clientPort}`,
    clientPort,
    dataDir,
    pid: () => child?.pid,
    stop,
    crash() {
      if (child?.pid && !exitedAlready(child)) process.kill(child.pid, 'SIGKILL');
    },
    start,
    output: () => out,
    async destroy() {
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
