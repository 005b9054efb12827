/**
 * Pods: defaulting (what `kubectl get -o yaml` shows on a real cluster), validation, the
 * printed Table (kubectl's printPod), field-selector fields and create-time status.
 */
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { limitRanger } from './admission';
import { parseQuantity } from './quantity';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from './strategy';
import { Errors, dns1123Label, immutable, validateLabels } from './validation';

/** imagePullPolicy default: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Container defaults (imagePullPolicy, termination message, requests from limits, port protocol). */
export function defaultContainer(c: Container): void {
  if (!isObject(c)) return;
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  // Like the real defaulter: requests default to limits when only limits are set.
  if (c.resources.limits && !c.resources.requests) c.resources.requests = { ...c.resources.limits };
  else if (c.resources.limits && c.resources.requests) {
    for (const [k, v] of Object.entries(c.resources.limits)) c.resources.requests[k] ??= v;
  }
  for (const p of c.ports ?? []) if (isObject(p)) p.protocol ??= 'TCP';
}

/** Pod spec defaults (also used for Deployment/ReplicaSet templates). */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!isObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
  if (Array.isArray(spec.initContainers)) spec.initContainers.forEach(defaultContainer);
}

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

function validateResources(errs: Errors, c: Container, path: string): void {
  const res = c.resources;
  if (res === undefined || res === null) return;
  if (!isObject(res)) {
    errs.invalid(`${path}.resources`, res, 'must be an object');
    return;
  }
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    const m: unknown = res[kind];
    if (m === undefined) continue;
    if (!isObject(m)) {
      errs.invalid(`${path}.resources.${kind}`, m, 'must be a map of resource names to quantities');
      continue;
    }
    for (const [name, q] of Object.entries(m)) {
      const v = parseQuantity(q);
      if (v === undefined)
        errs.invalid(
          `${path}.resources.${kind}[${name}]`,
          q,
          "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        );
      else if (v < 0)
        errs.invalid(`${path}.resources.${kind}[${name}]`, q, 'must be greater than or equal to 0');
      else parsed[kind][name] = v;
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const lim = parsed.limits[name];
    if (lim !== undefined && req > lim)
      errs.invalid(
        `${path}.resources.requests`,
        res.requests?.[name],
        `must be less than or equal to ${name} limit of ${String(res.limits?.[name])}`,
      );
  }
}

function validateContainers(
  errs: Errors,
  list: unknown,
  path: string,
  required: boolean,
  names: Set<string>,
): void {
  if (list === undefined || list === null) {
    if (required) errs.required(path);
    return;
  }
  if (!Array.isArray(list)) {
    errs.invalid(path, list, 'must be a list of containers');
    return;
  }
  if (required && list.length === 0) errs.required(path);
  list.forEach((c: Container, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(c)) {
      errs.invalid(p, c, 'must be an object');
      return;
    }
    if (!c.name) errs.required(`${p}.name`);
    else {
      for (const m of dns1123Label(c.name)) errs.invalid(`${p}.name`, c.name, m);
      if (names.has(c.name)) errs.duplicate(`${p}.name`, c.name);
      names.add(c.name);
    }
    if (!c.image || (typeof c.image === 'string' && !c.image.trim())) errs.required(`${p}.image`);
    if (c.imagePullPolicy && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy))
      errs.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']);
    const ports = new Set<string>();
    (Array.isArray(c.ports) ? c.ports : []).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const n = port?.containerPort;
      if (n === undefined) errs.required(`${pp}.containerPort`);
      else if (!Number.isInteger(n) || n < 1 || n > 65535)
        errs.invalid(`${pp}.containerPort`, n, 'must be between 1 and 65535, inclusive');
      if (port?.protocol && !['TCP', 'UDP', 'SCTP'].includes(port.protocol))
        errs.notSupported(`${pp}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']);
      const key = `${n}/${port?.protocol ?? 'TCP'}`;
      if (ports.has(key)) errs.duplicate(`${pp}`, key);
      ports.add(key);
    });
    (Array.isArray(c.env) ? c.env : []).forEach((e, j) => {
      if (!e?.name) errs.required(`${p}.env[${j}].name`);
    });
    validateResources(errs, c, p);
  });
}

/** Validates a pod spec at `path` (e.g. `spec` or `spec.template.spec`). */
export function validatePodSpec(errs: Errors, spec: unknown, path: string): void {
  if (!isObject(spec)) {
    errs.required(path);
    return;
  }
  const s = spec as unknown as PodSpec;
  const names = new Set<string>();
  validateContainers(errs, s.containers, `${path}.containers`, true, names);
  validateContainers(errs, s.initContainers, `${path}.initContainers`, false, names);
  if (s.restartPolicy && !['Always', 'OnFailure', 'Never'].includes(s.restartPolicy))
    errs.notSupported(`${path}.restartPolicy`, s.restartPolicy, ['Always', 'OnFailure', 'Never']);
  if (s.dnsPolicy && !['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(s.dnsPolicy))
    errs.notSupported(`${path}.dnsPolicy`, s.dnsPolicy, [
      'ClusterFirst',
      'ClusterFirstWithHostNet',
      'Default',
      'None',
    ]);
  if (
    s.terminationGracePeriodSeconds !== undefined &&
    (typeof s.terminationGracePeriodSeconds !== 'number' || s.terminationGracePeriodSeconds < 0)
  )
    errs.invalid(
      `${path}.terminationGracePeriodSeconds`,
      s.terminationGracePeriodSeconds,
      'must be greater than or equal to 0',
    );
  validateLabels(errs, s.nodeSelector, `${path}.nodeSelector`);
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
  // LimitRanger (ResourceQuota runs for every kind in the serving storage).
  admit: limitRanger,
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

/** A bound pod that has not finished: deleting it is graceful. */
export function isGracefulPod(obj: KubeObject): boolean {
  const pod = obj as unknown as Pod;
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}
