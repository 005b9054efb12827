/**
 * The cluster's TLS material: a self-signed CA and a serving certificate for 127.0.0.1, ::1 and
 * localhost, made once with node-forge and kept in the data dir so that kubeconfigs written
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

function makeCerts(): ClusterCerts {
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

  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  validity(cert, 5);
  cert.setSubject([{ name: 'commonName', value: 'skiff-apiserver' }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 2, value: 'kubernetes' },
        { type: 2, value: 'kubernetes.default' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(ca),
    caKeyPem: caKeys.pem,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: keys.pem,
  };
}

/**
 * Loads the CA and serving certificate from `dataDir/pki`, creating them on first use.
 * Private keys are written with mode 0600.
 */
export function ensureCerts(dataDir: string): ClusterCerts {
  const dir = path.join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const [caPem, caKeyPem, certPem, keyPem] = [FILES.ca, FILES.caKey, FILES.cert, FILES.key].map((f) =>
    readIfExists(path.join(dir, f)),
  );
  if (caPem && caKeyPem && certPem && keyPem) return { caPem, caKeyPem, certPem, keyPem };
  const made = makeCerts();
  writeFileSync(path.join(dir, FILES.ca), made.caPem, { mode: 0o644 });
  writePrivateFile(path.join(dir, FILES.caKey), made.caKeyPem);
  writeFileSync(path.join(dir, FILES.cert), made.certPem, { mode: 0o644 });
  writePrivateFile(path.join(dir, FILES.key), made.keyPem);
  return made;
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
