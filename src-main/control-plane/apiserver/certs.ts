/**
 * The cluster's TLS material: a self-signed CA and a serving certificate for 127.0.0.1, ::1,
 * localhost and the `kubernetes` Service's names and ClusterIP, made once with node-forge and kept in the data dir so that kubeconfigs written
 * earlier keep working after a restart.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/** PEM-encoded CA and serving certificate/key pair. */
export interface ClusterCerts {
  caPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

const FILES = { ca: 'ca.crt', caKey: 'ca.key', cert: 'apiserver.crt', key: 'apiserver.key' } as const;

function readIfExists(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes `data` with mode 0600 (chmod too, since writeFile's mode only applies on creation). */
export function writePrivateFile(file: string, data: string): void {
  writeFileSync(file, data, { mode: 0o600 });
  chmodSync(file, 0o600);
}

// Key generation through node:crypto (native, milliseconds) rather than forge's pure-JS RSA,
// which takes seconds; forge then does the X.509 work.
function newKeyPair(): {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
} {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), pem };
}

function serial(): string {
  // Positive serial: clear the top bit.
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

function validity(cert: forge.pki.Certificate, years: number): void {
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + years * 365 * 24 * 60 * 60 * 1000);
}

/** Extra names the serving certificate must carry besides localhost, 127.0.0.1 and ::1. */
export interface ServingNames {
  dns: string[];
  ips: string[];
}

/**
 * The names in-cluster clients use for the API server: the `kubernetes` Service by each of its
 * DNS forms and its ClusterIP (kube-apiserver adds the same SANs to its serving certificate).
 */
export function servingNames(net: { kubernetesIP: string; clusterDomain: string }): ServingNames {
  return {
    dns: [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      `kubernetes.default.svc.${net.clusterDomain}`,
    ],
    ips: [net.kubernetesIP],
  };
}

function makeCa(): { caPem: string; caKeyPem: string } {
  const caKeys = newKeyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  validity(ca, 10);
  const caSubject = [{ name: 'commonName', value: 'skiff-ca' }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  return { caPem: forge.pki.certificateToPem(ca), caKeyPem: caKeys.pem };
}

function makeServing(
  caPem: string,
  caKeyPem: string,
  names: ServingNames,
): { certPem: string; keyPem: string } {
  const ca = forge.pki.certificateFromPem(caPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  validity(cert, 5);
  cert.setSubject([{ name: 'commonName', value: 'skiff-apiserver' }]);
  cert.setIssuer(ca.subject.attributes);
  const dns = [...new Set(['localhost', 'kubernetes', 'kubernetes.default', ...names.dns])];
  const ips = [...new Set(['127.0.0.1', '::1', ...names.ips])];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.pem };
}

/** True when the certificate names every DNS name and IP of `names`. */
function coversNames(certPem: string, names: ServingNames): boolean {
  try {
    const cert = forge.pki.certificateFromPem(certPem);
    const ext = cert.getExtension('subjectAltName') as {
      altNames?: { type: number; value?: string; ip?: string }[];
    };
    const alt = ext?.altNames ?? [];
    const dns = new Set(alt.filter((a) => a.type === 2).map((a) => a.value));
    const ips = new Set(alt.filter((a) => a.type === 7).map((a) => a.ip));
    return names.dns.every((d) => dns.has(d)) && names.ips.every((i) => ips.has(i));
  } catch {
    return false;
  }
}

/**
 * Loads the CA and serving certificate from `dataDir/pki`, creating them on first use. A serving
 * certificate that lacks one of `names` (a data dir from before, or a cluster network that moved
 * to another slot) is reissued from the same CA, so kubeconfigs written earlier keep working.
 * Private keys are written with mode 0600.
 */
export function ensureCerts(dataDir: string, names: ServingNames = { dns: [], ips: [] }): ClusterCerts {
  const dir = path.join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let [caPem, caKeyPem, certPem, keyPem] = [FILES.ca, FILES.caKey, FILES.cert, FILES.key].map((f) =>
    readIfExists(path.join(dir, f)),
  );
  if (!caPem || !caKeyPem) {
    ({ caPem, caKeyPem } = makeCa());
    writeFileSync(path.join(dir, FILES.ca), caPem, { mode: 0o644 });
    writePrivateFile(path.join(dir, FILES.caKey), caKeyPem);
    certPem = keyPem = undefined;
  }
  if (!certPem || !keyPem || !coversNames(certPem, names)) {
    ({ certPem, keyPem } = makeServing(caPem, caKeyPem, names));
    writeFileSync(path.join(dir, FILES.cert), certPem, { mode: 0o644 });
    writePrivateFile(path.join(dir, FILES.key), keyPem);
  }
  return { caPem, caKeyPem, certPem, keyPem };
}

/**
 * Loads the API bearer token from `dataDir/token`, creating a random one (mode 0600) on first use.
 */
export function ensureToken(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'token');
  const existing = readIfExists(file)?.trim();
  if (existing) return existing;
  const token = randomBytes(32).toString('hex');
  writePrivateFile(file, token + '\n');
  return token;
}
