/**
 * core/v1 Pods (pkg/registry/core/pod): pod-only defaulting, create-time status and
 * tolerations, update rules, the printed Table (kubectl's printPod), field-selector fields;
 * graceful deletion, binding and eviction come from pod-subresources.ts.
 */
import type { Pod, PodSpec } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import { limitRanger } from '../admission';
import { parseQuantity } from '../quantity';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';
import { defaultPodSpec, validatePodSpec } from './pod-spec';
import { bindingAction, deletePod, evictionAction } from './pod-subresources';
import { serviceAccountAdmission } from './serviceaccount-admission';

/** Defaults only pods get (SetDefaults_Pod and the admission plugins), never templates. */
function defaultPodOnly(spec: PodSpec | undefined): void {
  if (!isObject(spec)) return;
  if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
}

/** QoS class from requests/limits (Kubernetes' GetPodQOS). */
export function qosClass(spec: PodSpec | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || parseQuantity(q) !== parseQuantity(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The STATUS column as kubectl's printPod computes it. */
export function podStatusReason(pod: Pod): string {
  const st = pod.status ?? {};
  let reason = st.reason || st.phase || 'Pending';
  let initializing = false;
  const initStatuses = st.initContainerStatuses ?? [];
  const initCount = pod.spec?.initContainers?.length ?? 0;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    if (c.state?.terminated && c.state.terminated.exitCode === 0) continue;
    if (c.state?.terminated) {
      const t = c.state.terminated;
      reason = t.reason
        ? `Init:${t.reason}`
        : t.signal
          ? `Init:Signal:${t.signal}`
          : `Init:ExitCode:${t.exitCode}`;
    } else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${c.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const cs = st.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated)
        reason = c.state.terminated.signal
          ? `Signal:${c.state.terminated.signal}`
          : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function restarts(pod: Pod, now: number): string {
  let n = 0;
  let last = 0;
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    n += c.restartCount ?? 0;
    const fin = c.lastState?.terminated?.finishedAt;
    if (fin) last = Math.max(last, Date.parse(fin));
  }
  return n > 0 && last ? `${n} (${age(new Date(last).toISOString(), now)} ago)` : String(n);
}

/** Pod strategy. */
export const podStrategy: Strategy = {
  type: R.pods,
  hasStatus: true,
  // LimitRanger, then ServiceAccount, in kube-apiserver's plugin order (ResourceQuota runs for
  // every kind in the serving storage).
  async admit(obj, ctx) {
    await limitRanger(obj, ctx);
    await serviceAccountAdmission(obj, ctx);
  },
  delete: (ctx) => deletePod(ctx.storage, ctx.namespace, ctx.name, ctx.opts),
  actions: { binding: bindingAction, eviction: evictionAction },
  connect: { log: 'log', exec: 'upgrade', attach: 'upgrade', portforward: 'upgrade' },
  fields: (obj) => {
    const p = obj as unknown as Pod;
    return {
      'spec.nodeName': p.spec?.nodeName ?? '',
      'spec.restartPolicy': p.spec?.restartPolicy ?? '',
      'spec.schedulerName': p.spec?.schedulerName ?? '',
      'spec.serviceAccountName': p.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(p.spec?.hostNetwork ?? false),
      'status.phase': p.status?.phase ?? '',
      'status.podIP': p.status?.podIP ?? '',
      'status.nominatedNodeName': p.status?.nominatedNodeName ?? '',
    };
  },
  prepareForCreate(obj) {
    const pod = obj as unknown as Pod;
    (pod as { status?: unknown }).status = { phase: 'Pending', qosClass: qosClass(pod.spec) };
    // The DefaultTolerationSeconds admission plugin's tolerations, added once at creation.
    if (isObject(pod.spec)) {
      pod.spec.tolerations ??= [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ];
    }
  },
  applyDefaults(obj) {
    defaultPodSpec((obj as unknown as Pod).spec);
    defaultPodOnly((obj as unknown as Pod).spec);
    const pod = obj as unknown as Pod;
    if (pod.status && !pod.status.qosClass && pod.spec) pod.status.qosClass = qosClass(pod.spec);
  },
  validate(obj): StatusCause[] {
    const errs = validateObjectMeta(R.pods, obj);
    validatePodSpec(errs, obj.spec, 'spec');
    return errs.causes;
  },
  validateUpdate(obj, old): StatusCause[] {
    const errs = new Errors();
    const a = obj as unknown as Pod;
    const b = old as unknown as Pod;
    // Pod updates may only change images, activeDeadlineSeconds, tolerations (additions) and
    // terminationGracePeriodSeconds; compare the rest like ValidatePodUpdate does.
    const strip = (s: PodSpec | undefined) =>
      JSON.stringify({
        ...s,
        containers: s?.containers?.map((c) => ({ ...c, image: undefined })),
        initContainers: s?.initContainers?.map((c) => ({ ...c, image: undefined })),
        activeDeadlineSeconds: undefined,
        tolerations: undefined,
        terminationGracePeriodSeconds: undefined,
      });
    if (strip(a.spec) !== strip(b.spec))
      errs.forbidden(
        'spec',
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      );
    if (b.spec?.nodeName) immutable(errs, 'spec.nodeName', a.spec?.nodeName, b.spec.nodeName);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'string',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE_COLUMN,
      col(
        'IP',
        'string',
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
        { wide: true },
      ),
      col(
        'Node',
        'string',
        'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.',
        { wide: true },
      ),
      col(
        'Nominated Node',
        'string',
        'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.',
        { wide: true },
      ),
      col(
        'Readiness Gates',
        'string',
        'If specified, all readiness gates will be evaluated for pod readiness.',
        { wide: true },
      ),
    ],
    cells(obj, now) {
      const pod = obj as unknown as Pod;
      const total = pod.spec?.containers?.length ?? 0;
      const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready).length;
      const gates = pod.spec?.readinessGates ?? [];
      const gateCell = gates.length
        ? `${gates.filter((g) => (pod.status?.conditions ?? []).some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`
        : '<none>';
      return [
        pod.metadata?.name,
        `${ready}/${total}`,
        podStatusReason(pod),
        restarts(pod, now),
        age(pod.metadata?.creationTimestamp, now),
        pod.status?.podIP || '<none>',
        pod.spec?.nodeName || '<none>',
        pod.status?.nominatedNodeName || '<none>',
        gateCell,
      ];
    },
  },
};
