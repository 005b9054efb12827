/** core/v1 Endpoints (pkg/registry/core/endpoint): address and port validation, the Endpoints Table. */
import type { Endpoints } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import { isIPv4 } from '../../../../common/network';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { validPort } from './services';

function endpointsCell(ep: Endpoints): string {
  const all: string[] = [];
  for (const s of ep.subsets ?? []) {
    const addrs = s.addresses ?? [];
    const ports = s.ports ?? [];
    if (!ports.length) for (const a of addrs) all.push(a.ip);
    for (const p of ports) for (const a of addrs) all.push(`${a.ip}:${p.port}`);
  }
  if (!all.length) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

/** Endpoints strategy. */
export const endpointsStrategy: Strategy = {
  type: R.endpoints,
  hasStatus: false,
  topLevelFields: ['subsets'],
  validate(obj) {
    const errs = validateObjectMeta(R.endpoints, obj);
    const ep = obj as unknown as Endpoints;
    (ep.subsets ?? []).forEach((s, i) => {
      (s.addresses ?? []).forEach((a, j) => {
        if (!a?.ip) errs.required(`subsets[${i}].addresses[${j}].ip`);
        else if (!isIPv4(a.ip) && !a.ip.includes(':'))
          errs.invalid(`subsets[${i}].addresses[${j}].ip`, a.ip, 'must be a valid IP address');
      });
      (s.ports ?? []).forEach((p, j) => {
        if (!validPort(p?.port))
          errs.invalid(`subsets[${i}].ports[${j}].port`, p?.port, 'must be between 1 and 65535, inclusive');
      });
    });
    return errs.causes;
  },
  applyDefaults(obj) {
    for (const s of (obj as unknown as Endpoints).subsets ?? [])
      for (const p of s.ports ?? []) if (isObject(p)) p.protocol ??= 'TCP';
  },
  table: {
    columns: [NAME_COLUMN, col('Endpoints', 'string', 'Endpoints of the service'), AGE_COLUMN],
    cells: (obj, now) => [
      obj.metadata.name,
      endpointsCell(obj as unknown as Endpoints),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
