// Encryption at rest (kube-apiserver's EncryptionConfiguration with the `aesgcm` provider): the value transformer between the object storage and the Backend, its key file in the data dir, and the start-up rewrite that re-encrypts stale values; reads and writes only the key file and (rewrite) the store.
/**
 * Values stored under the configured resources (secrets by default) are written as
 * `k8s:enc:aesgcm:v1:<keyname>:` followed by base64(nonce ‖ AES-256-GCM ciphertext ‖ tag), with
 * the storage key (`/registry/secrets/ns/name`) as additional authenticated data, so a value
 * copied under another key does not decrypt. Upstream writes the nonce and ciphertext as raw
 * bytes; the Backend's values are strings (the WAL is JSON lines), hence base64 here.
 *
 * The key file is upstream's EncryptionConfiguration as JSON (which is YAML too):
 * `resources[].resources` names the resources, `providers` the transformers in order. The first
 * provider writes; every provider reads (an `aesgcm` provider with all its keys). The first key
 * of the first `aesgcm` provider encrypts; the others only decrypt, so a key is rotated by
 * putting a new key first and restarting (start-up re-encrypts everything with it), then
 * removing the old one. Values without the `k8s:enc:` prefix are read as plain JSON whether or
 * not `identity` is listed, so a store from before encryption was enabled keeps working and is
 * migrated on the next start.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../common/logger';
import type { Backend } from '../store/backend';

/** Where a data dir keeps its encryption configuration (0600, made on first start). */
export function encryptionConfigPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'pki', 'encryption-config.json');
}

const PREFIX = 'k8s:enc:';
const AESGCM_PREFIX = 'k8s:enc:aesgcm:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The EncryptionConfiguration file, as far as Skiff reads it (upstream field names). */
export interface EncryptionConfiguration {
  kind: 'EncryptionConfiguration';
  apiVersion: 'apiserver.config.k8s.io/v1';
  resources: {
    resources: string[];
    providers: (
      { aesgcm: { keys: { name: string; secret: string }[] } } | { identity: Record<string, never> }
    )[];
  }[];
}

/** A stored value that cannot be turned back into the object: wrong or missing key, tampering. */
export class DecryptError extends Error {
  constructor(
    readonly storageKey: string,
    readonly why: string,
  ) {
    super(`unable to transform key "${storageKey}": ${why}`);
    this.name = 'DecryptError';
  }
}

/** Turns object JSON into what the Backend stores under a key, and back. */
export interface ValueTransformer {
  /** The value to store under `key` (ciphertext for encrypted resources, else `plain` itself). */
  toStorage(key: string, plain: string): string;
  /** The JSON stored under `key`; throws DecryptError. */
  fromStorage(key: string, stored: string): string;
  /**
   * True when the value under `key` should be rewritten: plain but the resource is encrypted, or
   * encrypted with a key that is not the current writer.
   */
  isStale(key: string, stored: string): boolean;
  /** Storage key prefixes of the encrypted resources (`/registry/secrets/`). */
  readonly prefixes: readonly string[];
}

interface Provider {
  /** Name of the writing key, or undefined for identity. */
  write(key: string, plain: string): string;
  /** The prefix this provider's current writes start with ('' for identity). */
  writePrefix: string;
  keys: Map<string, Buffer>;
}

function aesgcmProvider(keys: { name: string; secret: Buffer }[]): Provider {
  const first = keys[0];
  return {
    writePrefix: `${AESGCM_PREFIX}${first.name}:`,
    keys: new Map(keys.map((k) => [k.name, k.secret])),
    write(key, plain) {
      const nonce = randomBytes(NONCE_BYTES);
      const c = createCipheriv('aes-256-gcm', first.secret, nonce);
      c.setAAD(Buffer.from(key, 'utf8'));
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
      return `${AESGCM_PREFIX}${first.name}:${Buffer.concat([nonce, ct]).toString('base64')}`;
    },
  };
}

const identityProvider: Provider = { writePrefix: '', keys: new Map(), write: (_k, plain) => plain };

function decryptAesGcm(key: string, stored: string, secret: Buffer): string {
  const rest = stored.slice(stored.indexOf(':', AESGCM_PREFIX.length) + 1);
  const raw = Buffer.from(rest, 'base64');
  if (raw.length < NONCE_BYTES + TAG_BYTES) throw new DecryptError(key, 'the ciphertext is too short');
  const d = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, NONCE_BYTES));
  d.setAAD(Buffer.from(key, 'utf8'));
  d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    return Buffer.concat([d.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), d.final()]).toString(
      'utf8',
    );
  } catch {
    throw new DecryptError(
      key,
      'cipher: message authentication failed (wrong key, or the value was altered)',
    );
  }
}

/** `secrets` → /registry/secrets/; `deployments.apps` → /registry/apps/deployments/; `*.apps`, `*.*`. */
function resourcePrefix(resource: string): string {
  if (resource === '*.*') return '/registry/';
  const dot = resource.indexOf('.');
  if (dot < 0) {
    if (resource === '*')
      throw new Error('encryption config: "*" is not a resource; use "*.*" or "*." + group');
    return `/registry/${resource}/`;
  }
  const plural = resource.slice(0, dot);
  const group = resource.slice(dot + 1);
  if (!group) return plural === '*' ? '/registry/' : `/registry/${plural}/`; // "*." = core group
  return plural === '*' ? `/registry/${group}/` : `/registry/${group}/${plural}/`;
}

/**
 * Builds the transformer of a configuration; throws on a malformed one (naming what is wrong),
 * since serving with a half-read key file would write plain text.
 */
export function transformerFromConfig(cfg: EncryptionConfiguration): ValueTransformer {
  if (cfg?.kind !== 'EncryptionConfiguration' || !Array.isArray(cfg.resources))
    throw new Error('encryption config: want kind EncryptionConfiguration with a resources list');
  const rules: { prefix: string; writer: Provider; readers: Map<string, Buffer> }[] = [];
  for (const [i, r] of cfg.resources.entries()) {
    if (
      !Array.isArray(r.resources) ||
      !r.resources.length ||
      !Array.isArray(r.providers) ||
      !r.providers.length
    )
      throw new Error(`encryption config: resources[${i}] needs resources and providers`);
    const providers = r.providers.map((p, j): Provider => {
      if ('identity' in p) return identityProvider;
      if (!('aesgcm' in p) || !Array.isArray(p.aesgcm?.keys) || !p.aesgcm.keys.length)
        throw new Error(
          `encryption config: resources[${i}].providers[${j}] is neither aesgcm with keys nor identity`,
        );
      return aesgcmProvider(
        p.aesgcm.keys.map((k, n) => {
          const secret = Buffer.from(String(k.secret ?? ''), 'base64');
          if (!k.name || !/^[A-Za-z0-9_.-]+$/.test(k.name))
            throw new Error(
              `encryption config: key ${n} of resources[${i}] needs a name (letters, digits, - _ .)`,
            );
          if (secret.length !== 32)
            throw new Error(
              `encryption config: key "${k.name}" must be 32 bytes (AES-256), base64-encoded; it is ${secret.length}`,
            );
          return { name: k.name, secret };
        }),
      );
    });
    const readers = new Map<string, Buffer>();
    for (const p of providers) for (const [n, s] of p.keys) if (!readers.has(n)) readers.set(n, s);
    for (const res of r.resources) rules.push({ prefix: resourcePrefix(res), writer: providers[0], readers });
  }
  // The longest prefix decides (secrets before *.*), as upstream takes the most specific entry.
  rules.sort((a, b) => b.prefix.length - a.prefix.length);
  const ruleFor = (key: string) => rules.find((r) => key.startsWith(r.prefix));
  return {
    prefixes: rules.filter((r) => r.writer !== identityProvider).map((r) => r.prefix),
    toStorage(key, plain) {
      const r = ruleFor(key);
      return r ? r.writer.write(key, plain) : plain;
    },
    fromStorage(key, stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      if (!stored.startsWith(AESGCM_PREFIX))
        throw new DecryptError(key, `the value uses a provider Skiff does not know (${stored.slice(0, 40)})`);
      const name = stored.slice(AESGCM_PREFIX.length, stored.indexOf(':', AESGCM_PREFIX.length));
      const secret = ruleFor(key)?.readers.get(name) ?? findKey(rules, name);
      if (!secret)
        throw new DecryptError(
          key,
          `it is encrypted with the key "${name}", which is not in the encryption config`,
        );
      return decryptAesGcm(key, stored, secret);
    },
    isStale(key, stored) {
      const r = ruleFor(key);
      if (!r) return stored.startsWith(PREFIX); // no longer encrypted: write it plain
      return r.writer === identityProvider
        ? stored.startsWith(PREFIX)
        : !stored.startsWith(r.writer.writePrefix);
    },
  };
}

function findKey(rules: { readers: Map<string, Buffer> }[], name: string): Buffer | undefined {
  for (const r of rules) {
    const s = r.readers.get(name);
    if (s) return s;
  }
  return undefined;
}

/** A new configuration: secrets encrypted with one fresh random key (`key1`), identity to read. */
export function newEncryptionConfig(keyName = 'key1'): EncryptionConfiguration {
  return {
    kind: 'EncryptionConfiguration',
    apiVersion: 'apiserver.config.k8s.io/v1',
    resources: [
      {
        resources: ['secrets'],
        providers: [
          { aesgcm: { keys: [{ name: keyName, secret: randomBytes(32).toString('base64') }] } },
          { identity: {} },
        ],
      },
    ],
  };
}

/** Reads a configuration file; throws naming the file when it is unreadable or malformed. */
export function readEncryptionConfig(file: string): EncryptionConfiguration {
  let cfg: EncryptionConfiguration;
  try {
    cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as EncryptionConfiguration;
  } catch (err) {
    throw new Error(`cannot read the encryption config ${file}: ${(err as Error).message}`);
  }
  try {
    transformerFromConfig(cfg);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return cfg;
}

/** Writes a configuration with mode 0600 (atomically: a torn key file would lose every secret). */
export function writeEncryptionConfig(file: string, cfg: EncryptionConfiguration): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/**
 * The data dir's transformer: reads `<dataDir>/pki/encryption-config.json`, making it (with a
 * fresh 32-byte key, mode 0600) on first start. A key file others can read is narrowed to 0600.
 */
export function ensureEncryption(dataDir: string): {
  file: string;
  transformer: ValueTransformer;
  created: boolean;
} {
  const file = encryptionConfigPath(dataDir);
  let created = false;
  if (!fs.existsSync(file)) {
    writeEncryptionConfig(file, newEncryptionConfig());
    created = true;
  } else if ((fs.statSync(file).mode & 0o077) !== 0) {
    fs.chmodSync(file, 0o600);
  }
  return { file, transformer: transformerFromConfig(readEncryptionConfig(file)), created };
}

/** What the start-up rewrite did. */
export interface ReencryptResult {
  rewritten: number;
  /** Storage keys whose values could not be decrypted (left as they are). */
  undecryptable: { key: string; error: string }[];
}

/**
 * Rewrites every value of the encrypted resources that is not written by the current key (plain
 * values from before encryption, values of an older key), through the Backend with a compare on
 * its revision: the object stays the same, its resourceVersion moves on (as upstream's
 * `kubectl get secrets -A -o json | kubectl replace -f -`). A value changed meanwhile is skipped:
 * whoever wrote it wrote it with the current key. Undecryptable values are reported, not touched.
 */
export async function reencryptStale(
  backend: Backend,
  transformer: ValueTransformer,
  logger?: Logger,
): Promise<ReencryptResult> {
  const out: ReencryptResult = { rewritten: 0, undecryptable: [] };
  for (const prefix of transformer.prefixes) {
    let start = '';
    for (;;) {
      const page = await backend.list(prefix, start, 500, 0);
      for (const kv of page.kvs) {
        if (!transformer.isStale(kv.key, kv.value)) continue;
        let plain: string;
        try {
          plain = transformer.fromStorage(kv.key, kv.value);
        } catch (err) {
          out.undecryptable.push({ key: kv.key, error: (err as Error).message });
          continue;
        }
        const res = await backend.update(kv.key, transformer.toStorage(kv.key, plain), kv.modRevision);
        if (res.ok) out.rewritten++;
      }
      if (!page.more || !page.kvs.length) break;
      start = page.kvs[page.kvs.length - 1].key + '\0';
    }
  }
  if (out.rewritten)
    logger?.info('re-encrypted stored values with the current key', { count: out.rewritten });
  for (const u of out.undecryptable)
    logger?.error(
      'a stored value cannot be decrypted; reading it answers 500 until the right key is configured',
      {
        key: u.key,
        error: u.error,
      },
    );
  return out;
}

/**
 * Brings the keys of `from` (another data dir's configuration, given to a restore) into the data
 * dir's configuration: copied as is when the data dir has none; otherwise every `aesgcm` key the
 * data dir lacks is appended to its first `aesgcm` provider as a read-only key (its own first key
 * still writes, and the next start re-encrypts the restored values with it). Throws when a key
 * name is taken by a different secret. Returns the names of the keys added.
 */
export function importEncryptionKeys(dataDir: string, from: EncryptionConfiguration): string[] {
  const file = encryptionConfigPath(dataDir);
  const incoming = aesgcmKeys(from);
  if (!fs.existsSync(file)) {
    writeEncryptionConfig(file, from);
    return incoming.map((k) => k.name);
  }
  const cfg = readEncryptionConfig(file);
  const have = new Map(aesgcmKeys(cfg).map((k) => [k.name, k.secret]));
  const added: { name: string; secret: string }[] = [];
  for (const k of incoming) {
    const mine = have.get(k.name);
    if (mine === k.secret) continue;
    if (mine !== undefined)
      throw new Error(
        `${file} already has a different key named "${k.name}": rename one of them before restoring`,
      );
    have.set(k.name, k.secret);
    added.push(k);
  }
  if (!added.length) return [];
  const provider = cfg.resources
    .flatMap((r) => r.providers)
    .find((p): p is { aesgcm: { keys: { name: string; secret: string }[] } } => 'aesgcm' in p);
  if (provider) provider.aesgcm.keys.push(...added);
  else
    cfg.resources.push({
      resources: ['secrets'],
      providers: [{ identity: {} }, { aesgcm: { keys: added } }],
    });
  writeEncryptionConfig(file, cfg);
  return added.map((k) => k.name);
}

function aesgcmKeys(cfg: EncryptionConfiguration): { name: string; secret: string }[] {
  return cfg.resources.flatMap((r) => r.providers.flatMap((p) => ('aesgcm' in p ? p.aesgcm.keys : [])));
}

/** Storage keys among `kvs` whose encrypted values `transformer` (none: no key at all) cannot decrypt. */
export function undecryptableKeys(
  kvs: readonly { key: string; value: string }[],
  transformer: ValueTransformer | undefined,
): { key: string; error: string }[] {
  const out: { key: string; error: string }[] = [];
  for (const kv of kvs) {
    if (!kv.value.startsWith(PREFIX)) continue;
    if (!transformer) {
      out.push({ key: kv.key, error: 'it is encrypted and the data dir has no encryption config' });
      continue;
    }
    try {
      transformer.fromStorage(kv.key, kv.value);
    } catch (err) {
      out.push({ key: kv.key, error: (err as Error).message });
    }
  }
  return out;
}
