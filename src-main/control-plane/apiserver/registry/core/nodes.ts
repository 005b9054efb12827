/**
 * core/v1 Nodes (pkg/registry/core/node): status kept on create (the kubelet registers with it),
 * the spec.unschedulable field and kubectl's Ready/NotReady, Roles and wide node-info Table.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';

function nodeStatus(n: Node): string {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(n: Node): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.push(v);
  }
  return roles.filter(Boolean).sort().join(',') || '<none>';
}

function address(n: Node, type: string): string {
  return (n.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

/** Node strategy: status kept on create (the kubelet registers with it), Ready/NotReady table. */
export const nodeStrategy: Strategy = {
  type: R.nodes,
  hasStatus: true,
  createWithStatus: true,
  connect: { proxy: 'proxy' },
  fields: (obj) => ({ 'spec.unschedulable': String((obj as unknown as Node).spec?.unschedulable ?? false) }),
  validate(obj): StatusCause[] {
    return validateObjectMeta(R.nodes, obj).causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'The status of the node'),
      col('Roles', 'string', 'The roles of the node'),
      AGE_COLUMN,
      col('Version', 'string', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 'List of internal IPs for the node.', { wide: true }),
      col('External-IP', 'string', 'List of external IPs for the node.', { wide: true }),
      col(
        'OS-Image',
        'string',
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        { wide: true },
      ),
      col(
        'Kernel-Version',
        'string',
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        { wide: true },
      ),
      col(
        'Container-Runtime',
        'string',
        'Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        { wide: true },
      ),
    ],
    cells(obj, now) {
      const n = obj as unknown as Node;
      const info = n.status?.nodeInfo;
      return [
        n.metadata?.name,
        nodeStatus(n),
        nodeRoles(n),
        age(n.metadata?.creationTimestamp, now),
        info?.kubeletVersion ?? '',
        address(n, 'InternalIP'),
        address(n, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
};
