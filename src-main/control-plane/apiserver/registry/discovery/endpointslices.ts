/** discovery.k8s.io/v1 EndpointSlices: port defaulting, address validation, the addressType field, Table. */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';

/** EndpointSlice strategy. */
export const endpointSliceStrategy: Strategy = {
  type: R.endpointslices,
  hasStatus: false,
  topLevelFields: ['addressType', 'endpoints', 'ports'],
  fields: (obj) => ({ addressType: (obj as unknown as EndpointSlice).addressType ?? '' }),
  applyDefaults(obj) {
    for (const p of (obj as unknown as EndpointSlice).ports ?? []) if (isObject(p)) p.protocol ??= 'TCP';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.endpointslices, obj);
    const s = obj as unknown as EndpointSlice;
    if (!s.addressType) errs.required('addressType');
    else if (!['IPv4', 'IPv6', 'FQDN'].includes(s.addressType))
      errs.notSupported('addressType', s.addressType, ['FQDN', 'IPv4', 'IPv6']);
    (s.endpoints ?? []).forEach((e, i) => {
      if (!e?.addresses?.length)
        errs.required(`endpoints[${i}].addresses`, 'must contain at least 1 address');
    });
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(
      errs,
      'addressType',
      (obj as { addressType?: unknown }).addressType,
      (old as { addressType?: unknown }).addressType,
    );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'AddressType',
        'string',
        'addressType specifies the type of address carried by this EndpointSlice.',
      ),
      col(
        'Ports',
        'string',
        'ports specifies the list of network ports exposed by each endpoint in this slice.',
      ),
      col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const s = obj as unknown as EndpointSlice;
      const ports = (s.ports ?? []).map((p) => (p.port === undefined ? '<unset>' : String(p.port)));
      const addrs = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
      const shown =
        addrs.length > 3
          ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...`
          : addrs.join(',') || '<unset>';
      return [
        obj.metadata.name,
        s.addressType ?? '',
        ports.join(',') || '<unset>',
        shown,
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};
