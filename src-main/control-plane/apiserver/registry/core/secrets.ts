/**
 * core/v1 Secrets (pkg/registry/core/secret): type Opaque by default, base64 `data`,
 * `stringData` merged into `data`, per-type required keys, the `type` field selector.
 */
import type { Secret } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';
import { MAX_DATA_SIZE, dataCount, immutableData, isBase64, validateKeys } from './configmaps';

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

/** Secret strategy: type Opaque by default, base64 `data`, `stringData` merged into `data`. */
export const secretStrategy: Strategy = {
  type: R.secrets,
  hasStatus: false,
  topLevelFields: ['data', 'stringData', 'type', 'immutable'],
  fields: (obj) => ({ type: (obj as unknown as Secret).type ?? '' }),
  applyDefaults(obj) {
    const s = obj as unknown as Secret & { stringData?: Record<string, unknown> };
    s.type ||= 'Opaque';
    // Like the v1 → internal conversion: stringData is write-only and overrides data.
    if (isObject(s.stringData)) {
      const data: Record<string, string> = { ...(isObject(s.data) ? s.data : {}) };
      for (const [k, v] of Object.entries(s.stringData))
        data[k] = Buffer.from(typeof v === 'string' ? v : String(v), 'utf8').toString('base64');
      s.data = data;
      delete s.stringData;
    }
  },
  validate(obj) {
    const errs = validateObjectMeta(R.secrets, obj);
    const s = obj as unknown as Secret;
    const seen = new Set<string>();
    validateKeys(errs, 'data', s.data, seen);
    let size = 0;
    for (const [k, v] of Object.entries(isObject(s.data) ? s.data : {})) {
      if (typeof v !== 'string') continue;
      if (!isBase64(v)) errs.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data');
      size += Math.floor((v.length * 3) / 4);
    }
    if (size > MAX_DATA_SIZE) errs.tooLong('data', MAX_DATA_SIZE);
    for (const k of SECRET_REQUIRED_KEYS[s.type ?? ''] ?? [])
      if (!isObject(s.data) || !(k in s.data)) errs.required(`data[${k}]`);
    if (
      s.type === 'kubernetes.io/service-account-token' &&
      !s.metadata?.annotations?.['kubernetes.io/service-account.name']
    )
      errs.required('metadata.annotations[kubernetes.io/service-account.name]');
    if (
      s.type === 'kubernetes.io/basic-auth' &&
      isObject(s.data) &&
      !('username' in s.data) &&
      !('password' in s.data)
    )
      errs.required('data[username]', 'either username or password or both must be provided');
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(errs, 'type', (obj as unknown as Secret).type, (old as unknown as Secret).type);
    immutableData(errs, obj, old, ['data']);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', 'The type of the secret'),
      col('Data', 'string', 'Number of items in the secret'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const s = obj as unknown as Secret;
      return [obj.metadata.name, s.type ?? '', dataCount(s.data), age(obj.metadata.creationTimestamp, now)];
    },
  },
};
