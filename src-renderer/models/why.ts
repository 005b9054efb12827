/**
 * "Why isn't my pod running?": one plain-language explanation of what keeps a pod (or a
 * rollout) from running, assembled from the scheduler's own per-node verdicts (the
 * `skiff.dev/scheduling` annotation; the FailedScheduling event on other clusters), container
 * states and exit codes, probe failures in events and the last log lines — naming the field to
 * change, with the numbers. Pure functions over JSON: the pages feed them live objects.
 */
import {
  schedulingDecisionOf,
  type NodeDecision,
  type SchedulingDecision,
  type SchedulingReason,
} from '@common/scheduling-decision';
import type { Container, ContainerStatus, Deployment, Event, KubeObject, Pod } from './kube';
import { formatBytes, formatCpu, parseQuantity } from './format';
import { formatPath, type FieldPath } from './openapi-validate';
import { podStatus, type StatusTone } from './pod';

/** What kind of trouble an explanation is about. */
export type WhyReason =
  | 'Unschedulable'
  | 'ImagePull'
  | 'CrashLoop'
  | 'Exited'
  | 'OOMKilled'
  | 'ConfigError'
  | 'VolumeMount'
  | 'NotReady'
  | 'RolloutStuck';

/** An object an explanation points into (the pod, or the workload that owns its template). */
export interface WhyTarget {
  kind: string;
  namespace: string;
  name: string;
}

/** The field to change, on the object that should be edited. */
export interface WhyField {
  target: WhyTarget;
  path: FieldPath;
  /** `spec.containers[0].resources.requests.memory` */
  text: string;
  /** The short name shown on the button: `resources.requests.memory`. */
  label: string;
  /**
   * A bare pod's spec is immutable except for images: saving such a change means deleting the
   * pod and creating it again (what `kubectl replace --force` does).
   */
  recreate: boolean;
}

/** A pod of a stuck rollout and what is wrong with it. */
export interface WhyPod {
  name: string;
  namespace: string;
  /** kubectl's STATUS of the pod (Pending, CrashLoopBackOff…). */
  status: string;
  headline: string;
  /** Its cause is the one the explanation leads with (the callout need not repeat it). */
  sameAsLead: boolean;
}

/** One explanation. */
export interface Why {
  reason: WhyReason;
  tone: Extract<StatusTone, 'error' | 'warning'>;
  /** One sentence: what is wrong. */
  headline: string;
  /** For rollouts: the pods' leading cause, one sentence under the headline. */
  cause?: string;
  /** Facts behind it, with the numbers, one per line. */
  details: string[];
  /** What to do, in words ("lower resources.requests.memory to at most 21 GiB"). */
  fix?: string;
  field?: WhyField;
  /** The last lines the crashed container wrote. */
  logs?: string[];
  /** For rollouts: the pods that are not running, and why. */
  pods?: WhyPod[];
}

/** What explainPod may know besides the pod. */
export interface WhyContext {
  /** Events about the pod (any order; others are ignored). */
  events?: readonly Event[];
  /**
   * The workload whose pod template made the pod (a Deployment, not its ReplicaSet): fields are
   * then named on its template, since editing the pod itself would be undone.
   */
  owner?: WhyTarget;
  /** The last lines of the crashed container's previous instance. */
  logs?: readonly string[];
  /** Now (ms), for "not ready for 2m"; defaults to Date.now(). */
  now?: number;
}

/** Where the pod spec sits inside an owner of each kind. */
const TEMPLATE_PATH: Record<string, FieldPath> = {
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Fields of a pod's spec the API server lets a PUT change (ValidatePodUpdate). */
function updatableInPlace(podPath: FieldPath): boolean {
  const last = podPath[podPath.length - 1];
  return (
    last === 'image' ||
    (podPath[0] === 'spec' && (podPath[1] === 'activeDeadlineSeconds' || podPath[1] === 'tolerations')) ||
    podPath[0] === 'metadata'
  );
}

function fieldOf(pod: Pod, ctx: WhyContext, podPath: FieldPath, label: string): WhyField {
  const owner = ctx.owner;
  const prefix = owner ? TEMPLATE_PATH[owner.kind] : undefined;
  if (owner && prefix) {
    const path = [...prefix, ...podPath];
    return { target: owner, path, text: formatPath(path), label, recreate: false };
  }
  return {
    target: { kind: 'Pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '' },
    path: podPath,
    text: formatPath(podPath),
    label,
    recreate: !updatableInPlace(podPath),
  };
}

/** Where a container sits in the pod spec. */
interface ContainerRef {
  container: Container;
  status?: ContainerStatus;
  /** ['spec', 'containers', 0] */
  path: FieldPath;
  init: boolean;
}

function containerRefs(pod: Pod): ContainerRef[] {
  const st = pod.status ?? {};
  const refs: ContainerRef[] = [];
  (pod.spec?.initContainers ?? []).forEach((c, i) =>
    refs.push({
      container: c,
      status: st.initContainerStatuses?.find((s) => s.name === c.name),
      path: ['spec', 'initContainers', i],
      init: true,
    }),
  );
  (pod.spec?.containers ?? []).forEach((c, i) =>
    refs.push({
      container: c,
      status: st.containerStatuses?.find((s) => s.name === c.name),
      path: ['spec', 'containers', i],
      init: false,
    }),
  );
  return refs;
}

function podEvents(pod: Pod, events: readonly Event[] | undefined): Event[] {
  const uid = pod.metadata.uid;
  return (events ?? [])
    .filter(
      (e) =>
        e.involvedObject.kind === 'Pod' &&
        e.involvedObject.name === pod.metadata.name &&
        (e.involvedObject.namespace ?? e.metadata.namespace) === pod.metadata.namespace &&
        (!uid || !e.involvedObject.uid || e.involvedObject.uid === uid),
    )
    .sort((a, b) => eventTime(b) - eventTime(a));
}

function eventTime(e: Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  const n = t ? Date.parse(t) : NaN;
  return Number.isNaN(n) ? 0 : n;
}

/** The newest event with this reason (and a message matching `re`, if given). */
function latest(events: readonly Event[], reason: string, re?: RegExp): Event | undefined {
  return events.find((e) => e.reason === reason && (!re || re.test(e.message ?? '')));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------------------------------------
// Pending: the scheduler's reasons

type Fit = 'cpu' | 'memory';

function amount(resource: Fit | 'pods', n: number): string {
  if (resource === 'cpu') return formatCpu(n / 1000);
  if (resource === 'memory') return formatBytes(n);
  return String(n);
}

/** The container asking the most of a resource: the one whose request to lower. */
function biggestRequest(pod: Pod, resource: Fit): { ref: ContainerRef; quantity: string } | undefined {
  let best: { ref: ContainerRef; quantity: string; value: number } | undefined;
  for (const ref of containerRefs(pod)) {
    const q = ref.container.resources?.requests?.[resource] ?? ref.container.resources?.limits?.[resource];
    if (q === undefined) continue;
    const value = parseQuantity(q);
    if (!best || value > best.value) best = { ref, quantity: String(q), value };
  }
  return best;
}

function containerWord(ref: ContainerRef): string {
  return `${ref.init ? 'init container' : 'container'} ${ref.container.name}`;
}

/** A key grouping the same refusal on several nodes. */
function reasonKey(r: SchedulingReason): string {
  return r.plugin === 'NodeResourcesFit' ? `${r.plugin}/${r.resource}` : r.plugin;
}

/** How actionable a refusal is from the pod's side: the headline picks the most common, then this. */
const PLUGIN_ORDER = [
  'NodeResourcesFit/memory',
  'NodeResourcesFit/cpu',
  'NodeAffinity',
  'TaintToleration',
  'NodePorts',
  'NodeResourcesFit/pods',
  'NodeUnschedulable',
  'NodeReady',
  'NodeName',
];

function describeReason(pod: Pod, node: string, r: SchedulingReason): string {
  switch (r.plugin) {
    case 'NodeResourcesFit': {
      const res = r.resource ?? 'memory';
      const alloc = r.allocatable ?? 0;
      const used = r.used ?? 0;
      if (res === 'pods') return `Node ${node} already runs its maximum of ${alloc} pods.`;
      const free = Math.max(0, alloc - used);
      const taken =
        used > 0
          ? `${amount(res, used)} of it already requested by other pods`
          : 'none of it requested by other pods';
      return `Node ${node} has ${amount(res, alloc)} ${res === 'cpu' ? 'of CPU' : 'of memory'} allocatable, ${taken} — ${amount(res, free)} free; this pod requests ${amount(res, r.requested ?? 0)}.`;
    }
    case 'TaintToleration': {
      const t = r.taint;
      return t
        ? `Node ${node} has the taint ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}, and the pod has no toleration for it.`
        : `Node ${node} has a taint the pod does not tolerate.`;
    }
    case 'NodeUnschedulable':
      return `Node ${node} is cordoned (marked unschedulable).`;
    case 'NodeAffinity': {
      const want = pod.spec?.nodeSelector ?? {};
      const have = r.nodeLabels ?? {};
      const diffs = Object.entries(want)
        .filter(([k, v]) => have[k] !== v)
        .map(
          ([k, v]) => `${k}=${v} (node: ${have[k] === null || have[k] === undefined ? 'not set' : have[k]})`,
        );
      return diffs.length
        ? `Node ${node} does not have the labels the pod's nodeSelector asks for: ${diffs.join(', ')}.`
        : `Node ${node} does not match the pod's node affinity.`;
    }
    case 'NodePorts': {
      const h = r.hostPort;
      return h
        ? `Node ${node} already has host port ${h.port}/${h.protocol} in use${h.usedBy ? ` by pod ${h.usedBy}` : ''}.`
        : `Node ${node} has no free host port for the pod's ports.`;
    }
    case 'NodeReady':
      return `Node ${node} is not ready.`;
    case 'NodeName':
      return `The pod asks for another node (spec.nodeName).`;
  }
}

function hostPortField(pod: Pod, port: number | undefined): FieldPath | undefined {
  for (const ref of containerRefs(pod)) {
    const j = (ref.container.ports ?? []).findIndex((p) => p.hostPort !== undefined && p.hostPort === port);
    if (j >= 0) return [...ref.path, 'ports', j, 'hostPort'];
  }
  return undefined;
}

/** Headline, fix and field for the refusal chosen to lead. */
function leadOf(
  pod: Pod,
  ctx: WhyContext,
  key: string,
  sample: SchedulingReason,
  count: number,
  total: number,
): Pick<Why, 'headline' | 'fix' | 'field'> {
  const nodes =
    total === 1 ? 'the node' : count === total ? `any of the ${total} nodes` : `${count} of ${total} nodes`;
  const res = sample.resource;
  if (sample.plugin === 'NodeResourcesFit' && (res === 'memory' || res === 'cpu')) {
    const big = biggestRequest(pod, res);
    const alloc = sample.allocatable ?? 0;
    const free = Math.max(0, alloc - (sample.used ?? 0));
    const what = res === 'memory' ? 'memory' : 'CPU';
    const requests = big ? big.quantity : amount(res, sample.requested ?? 0);
    const has =
      total === 1
        ? `the node has ${amount(res, alloc)} allocatable`
        : `the largest free amount is ${amount(res, free)}`;
    const label = `resources.requests.${res}`;
    return {
      headline: `Not enough ${what}: requests ${requests} ${what}; ${has} — lower ${label}.`,
      fix: big
        ? `Lower ${label} of ${containerWord(big.ref)} (now ${big.quantity}) to at most ${amount(res, free)}, or free up ${what} on ${nodes}.`
        : `Lower the pod's ${what} requests to at most ${amount(res, free)}.`,
      field: big ? fieldOf(pod, ctx, [...big.ref.path, 'resources', 'requests', res], label) : undefined,
    };
  }
  switch (key) {
    case 'NodeResourcesFit/pods':
      return {
        headline: `No room: ${nodes} already run as many pods as they may.`,
        fix: 'Delete pods you no longer need.',
      };
    case 'NodeAffinity':
      return {
        headline: `No node matches the pod's nodeSelector (${
          Object.entries(pod.spec?.nodeSelector ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || 'node affinity'
        }).`,
        fix: 'Change spec.nodeSelector to labels a node has, or label a node (kubectl label node NODE key=value).',
        field: fieldOf(
          pod,
          ctx,
          pod.spec?.nodeSelector ? ['spec', 'nodeSelector'] : ['spec', 'affinity'],
          pod.spec?.nodeSelector ? 'nodeSelector' : 'affinity',
        ),
      };
    case 'TaintToleration': {
      const t = sample.taint;
      const taint = t ? `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}` : 'a taint';
      return {
        headline: `The pod does not tolerate the taint ${taint} on ${nodes}.`,
        fix: t
          ? `Add a toleration (key ${t.key}, effect ${t.effect}) to spec.tolerations, or remove the taint (kubectl taint node NODE ${t.key}-).`
          : 'Add a matching toleration to spec.tolerations.',
        field: fieldOf(pod, ctx, pod.spec?.tolerations ? ['spec', 'tolerations'] : ['spec'], 'tolerations'),
      };
    }
    case 'NodePorts': {
      const h = sample.hostPort;
      const path = hostPortField(pod, h?.port);
      return {
        headline: `Host port ${h ? `${h.port}/${h.protocol}` : ''} is already taken on ${nodes}.`.replace(
          'port  is',
          'port is',
        ),
        fix: `Pick another hostPort${h?.usedBy ? `, or stop pod ${h.usedBy}` : ''}.`,
        field: path ? fieldOf(pod, ctx, path, 'ports.hostPort') : undefined,
      };
    }
    case 'NodeUnschedulable':
      return {
        headline:
          total === 1 ? 'The node is cordoned: no new pods are placed on it.' : `${nodes} are cordoned.`,
        fix: 'Uncordon the node (Nodes page, or kubectl uncordon NODE).',
      };
    case 'NodeReady':
      return {
        headline: `No ready node: ${nodes} ${count === 1 ? 'is' : 'are'} not ready.`,
        fix: 'Check the kubelet and Docker on the Overview page.',
      };
    default:
      return { headline: 'The pod names a node that cannot take it (spec.nodeName).' };
  }
}

function explainDecision(pod: Pod, ctx: WhyContext, d: SchedulingDecision): Why {
  const refusing = d.nodes.filter((n) => !n.fit);
  const total = d.nodes.length + (d.omittedNodes ?? 0);
  const counts = new Map<string, { n: number; sample: SchedulingReason }>();
  for (const n of refusing)
    for (const r of n.reasons) {
      const k = reasonKey(r);
      const c = counts.get(k);
      if (c) c.n++;
      else counts.set(k, { n: 1, sample: r });
    }
  if (!counts.size || total === 0)
    return {
      reason: 'Unschedulable',
      tone: 'warning',
      headline: total === 0 ? 'There is no node to run the pod on.' : 'The pod is waiting to be scheduled.',
      details: [d.message],
    };
  const [key, lead] = [...counts.entries()].sort(
    (a, b) => b[1].n - a[1].n || PLUGIN_ORDER.indexOf(a[0]) - PLUGIN_ORDER.indexOf(b[0]),
  )[0];
  const details = refusing
    .slice(0, 6)
    .flatMap((n: NodeDecision) => n.reasons.map((r) => describeReason(pod, n.node, r)));
  if (refusing.length > 6) details.push(`…and ${plural(refusing.length - 6, 'more node')}.`);
  if (d.omittedNodes) details.push(`${plural(d.omittedNodes, 'node')} not listed.`);
  return {
    reason: 'Unschedulable',
    tone: 'error',
    ...leadOf(pod, ctx, key, lead.sample, lead.n, total),
    details,
  };
}

/** A FailedScheduling message without Skiff's details (any cluster): what it names, mapped. */
function explainSchedulingMessage(pod: Pod, ctx: WhyContext, message: string): Why {
  const details = [message];
  const total = Number(/^0\/(\d+) nodes/.exec(message)?.[1] ?? NaN);
  const res: Fit | undefined = /Insufficient memory/.test(message)
    ? 'memory'
    : /Insufficient cpu/.test(message)
      ? 'cpu'
      : undefined;
  const nodes = Number.isNaN(total) ? 'no node' : total === 1 ? 'the node' : `none of the ${total} nodes`;
  if (res) {
    const big = biggestRequest(pod, res);
    const what = res === 'memory' ? 'memory' : 'CPU';
    const label = `resources.requests.${res}`;
    return {
      reason: 'Unschedulable',
      tone: 'error',
      headline: `Not enough ${what}: requests ${big?.quantity ?? 'more'} ${what}, more than ${nodes} has free — lower ${label}.`,
      fix: big
        ? `Lower ${label} of ${containerWord(big.ref)} (now ${big.quantity}) to what a node has free (see the Nodes page).`
        : undefined,
      field: big ? fieldOf(pod, ctx, [...big.ref.path, 'resources', 'requests', res], label) : undefined,
      details,
    };
  }
  const map: [RegExp, string][] = [
    [/didn't match Pod's node affinity\/selector/, 'NodeAffinity'],
    [/untolerated taint/, 'TaintToleration'],
    [/didn't have free ports/, 'NodePorts'],
    [/unschedulable/, 'NodeUnschedulable'],
    [/not ready/, 'NodeReady'],
    [/Too many pods/, 'NodeResourcesFit/pods'],
  ];
  const hit = map.find(([re]) => re.test(message));
  if (hit) {
    const taint = /untolerated taint \{([^:}]+): ?([^}]*)\}/.exec(message);
    const sample: SchedulingReason = {
      plugin: hit[1].split('/')[0] as SchedulingReason['plugin'],
      message,
      ...(hit[1].endsWith('pods') ? { resource: 'pods' as const } : {}),
      ...(taint ? { taint: { key: taint[1], value: taint[2] || undefined, effect: 'NoSchedule' } } : {}),
    };
    const t = Number.isNaN(total) ? 1 : total;
    return { reason: 'Unschedulable', tone: 'error', ...leadOf(pod, ctx, hit[1], sample, t, t), details };
  }
  return { reason: 'Unschedulable', tone: 'error', headline: 'No node can run this pod.', details };
}

function explainPending(pod: Pod, ctx: WhyContext, events: Event[]): Why | undefined {
  const decision = schedulingDecisionOf(pod);
  if (decision) return explainDecision(pod, ctx, decision);
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const ev = latest(events, 'FailedScheduling');
  const message = ev?.message ?? (cond?.reason === 'Unschedulable' ? cond.message : undefined);
  return message ? explainSchedulingMessage(pod, ctx, message) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Containers

/** What an exit code usually means. */
export function exitCodeMeaning(code: number, signal?: number): string | undefined {
  const sig = signal ?? (code > 128 && code < 160 ? code - 128 : undefined);
  if (code === 137 || sig === 9) return 'killed (SIGKILL) — out of memory, or a failed liveness probe';
  if (code === 143 || sig === 15) return 'stopped (SIGTERM)';
  if (code === 139 || sig === 11) return 'crashed (segmentation fault)';
  if (code === 134 || sig === 6) return 'aborted (SIGABRT)';
  if (code === 126) return 'the command is not executable';
  if (code === 127) return 'the command was not found in the image';
  if (code === 0) return 'finished successfully — a long-running container must not exit';
  return undefined;
}

function commandField(ref: ContainerRef): { path: FieldPath; label: string } {
  const c = ref.container;
  if (c.command) return { path: [...ref.path, 'command'], label: 'command' };
  if (c.args) return { path: [...ref.path, 'args'], label: 'args' };
  return { path: [...ref.path, 'image'], label: 'image' };
}

/** A word as a shell would need it: single-quoted when it has spaces or quotes. */
function shellQuote(w: string): string {
  if (w !== '' && !/[\s'"$`\\;&|<>]/.test(w)) return w;
  return `'${w.replace(/'/g, `'\\''`)}'`;
}

function commandText(c: Container): string | undefined {
  const parts = [...(c.command ?? []), ...(c.args ?? [])];
  return parts.length ? parts.map(shellQuote).join(' ') : undefined;
}

function explainOom(pod: Pod, ctx: WhyContext, ref: ContainerRef, restarting: boolean): Why {
  const limit = ref.container.resources?.limits?.memory;
  const label = 'resources.limits.memory';
  const restarts = ref.status?.restartCount ?? 0;
  return {
    reason: 'OOMKilled',
    tone: 'error',
    headline: limit
      ? `${cap(containerWord(ref))} ran out of memory: it used more than its limit of ${String(limit)} and was killed (OOMKilled) — raise ${label}.`
      : `${cap(containerWord(ref))} was killed for lack of memory (OOMKilled); it has no memory limit, so the node itself ran short.`,
    details: [
      `Memory limit: ${limit ? `${String(limit)} (${formatBytes(limit)})` : 'none'}; request: ${String(ref.container.resources?.requests?.memory ?? 'none')}.`,
      ...(restarting || restarts ? [`Restarted ${plural(restarts, 'time')}.`] : []),
    ],
    fix: limit
      ? `Raise ${label} of ${containerWord(ref)} above what it needs, or make it use less memory.`
      : 'Set resources.requests.memory and resources.limits.memory to what the container needs.',
    field: fieldOf(
      pod,
      ctx,
      [...ref.path, 'resources', limit ? 'limits' : 'requests', 'memory'],
      limit ? label : 'resources.requests.memory',
    ),
    ...(ctx.logs?.length ? { logs: [...ctx.logs] } : {}),
  };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function explainCrash(pod: Pod, ctx: WhyContext, ref: ContainerRef, events: Event[]): Why {
  const st = ref.status!;
  const last = st.lastState?.terminated ?? st.state?.terminated;
  if (last?.reason === 'OOMKilled') return explainOom(pod, ctx, ref, true);
  const code = last?.exitCode;
  const meaning = code !== undefined ? exitCodeMeaning(code, last?.signal) : undefined;
  const liveness = latest(events, 'Unhealthy', /^Liveness probe failed/);
  const cmd = commandText(ref.container);
  const details: string[] = [];
  if (code !== undefined)
    details.push(
      `Last exit: code ${code}${last?.reason && last.reason !== 'Error' ? ` (${last.reason})` : ''}${meaning ? ` — ${meaning}` : ''}.`,
    );
  if (last?.message) details.push(last.message.trim());
  details.push(
    `Restarted ${plural(st.restartCount ?? 0, 'time')}; the kubelet waits longer before each restart (CrashLoopBackOff).`,
  );
  if (cmd) details.push(`Command: ${cmd}`);
  if (liveness && ref.container.livenessProbe) {
    details.push(`${liveness.message}`);
    return {
      reason: 'CrashLoop',
      tone: 'error',
      headline: `${cap(containerWord(ref))} keeps being restarted: its liveness probe fails.`,
      details,
      fix: 'Fix what the probe checks, or give the container more time (initialDelaySeconds, failureThreshold).',
      field: fieldOf(pod, ctx, [...ref.path, 'livenessProbe'], 'livenessProbe'),
      ...(ctx.logs?.length ? { logs: [...ctx.logs] } : {}),
    };
  }
  const f = commandField(ref);
  return {
    reason: 'CrashLoop',
    tone: 'error',
    headline:
      code !== undefined
        ? `${cap(containerWord(ref))} keeps crashing: it exits with code ${code}${meaning ? ` (${meaning.split(' — ')[0]})` : ''}.`
        : `${cap(containerWord(ref))} keeps crashing.`,
    details,
    fix:
      code === 0
        ? `The process ends on its own; run something that keeps running (${f.label}).`
        : `See the last log lines for the error; fix the ${f.label} or the configuration it reads.`,
    field: fieldOf(pod, ctx, f.path, f.label),
    ...(ctx.logs?.length ? { logs: [...ctx.logs] } : {}),
  };
}

/** `configmap "x" not found`, `couldn't find key K in ConfigMap ns/x`. */
function missingRef(
  message: string,
): { kind: 'ConfigMap' | 'Secret'; name: string; key?: string } | undefined {
  const nf = /(configmap|secret) "([^"]+)" not found/i.exec(message);
  if (nf) return { kind: nf[1].toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', name: nf[2] };
  const key = /couldn't find key (\S+) in (ConfigMap|Secret) (?:[^/\s]+\/)?(\S+)/.exec(message);
  if (key) return { kind: key[2] as 'ConfigMap' | 'Secret', name: key[3], key: key[1] };
  return undefined;
}

function refPath(
  ref: ContainerRef,
  m: { kind: 'ConfigMap' | 'Secret'; name: string; key?: string },
): FieldPath | undefined {
  const c = ref.container;
  const keyRef = m.kind === 'Secret' ? 'secretKeyRef' : 'configMapKeyRef';
  const envRef = m.kind === 'Secret' ? 'secretRef' : 'configMapRef';
  const i = (c.env ?? []).findIndex((e) => {
    const r = e.valueFrom?.[keyRef];
    return r?.name === m.name && (!m.key || r.key === m.key);
  });
  if (i >= 0) return [...ref.path, 'env', i, 'valueFrom', keyRef, m.key ? 'key' : 'name'];
  const j = (c.envFrom ?? []).findIndex((f) => f[envRef]?.name === m.name);
  if (j >= 0) return [...ref.path, 'envFrom', j, envRef, 'name'];
  return undefined;
}

function explainConfigError(pod: Pod, ctx: WhyContext, ref: ContainerRef, message: string): Why {
  const m = missingRef(message);
  const ns = pod.metadata.namespace ?? 'default';
  if (!m)
    return {
      reason: 'ConfigError',
      tone: 'error',
      headline: `${cap(containerWord(ref))} cannot be created: ${message}`,
      details: [message],
    };
  const path = refPath(ref, m);
  return {
    reason: 'ConfigError',
    tone: 'error',
    headline: m.key
      ? `${cap(containerWord(ref))} cannot start: ${m.kind} ${m.name} has no key ${m.key}.`
      : `${cap(containerWord(ref))} cannot start: ${m.kind} ${m.name} does not exist in ${ns}.`,
    details: [message],
    fix: m.key
      ? `Add the key ${m.key} to ${m.kind} ${m.name}, or change the reference (or mark it optional).`
      : `Create ${m.kind} ${m.name} in namespace ${ns}, or change the reference (or mark it optional: true).`,
    field: path
      ? fieldOf(
          pod,
          ctx,
          path,
          path[path.length - 1] === 'key' ? 'key' : `${String(path[path.length - 2])}.name`,
        )
      : undefined,
  };
}

function explainImage(
  pod: Pod,
  ctx: WhyContext,
  ref: ContainerRef,
  reason: string,
  message: string | undefined,
): Why {
  const image = ref.container.image ?? '';
  return {
    reason: 'ImagePull',
    tone: 'error',
    headline:
      reason === 'InvalidImageName'
        ? `The image name "${image}" of ${containerWord(ref)} is not valid.`
        : reason === 'ErrImageNeverPull'
          ? `Image "${image}" is not on the node, and imagePullPolicy Never forbids pulling it.`
          : `Image "${image}" of ${containerWord(ref)} cannot be pulled (${reason}).`,
    details: [
      ...(message ? [message] : []),
      `imagePullPolicy: ${ref.container.imagePullPolicy ?? 'default'}`,
    ],
    fix: 'Check the image name and tag (a typo, a tag that does not exist, a private registry without imagePullSecrets).',
    field: fieldOf(pod, ctx, [...ref.path, 'image'], 'image'),
  };
}

function probeText(p: NonNullable<Container['readinessProbe']>): string {
  if (p.httpGet) return `HTTP GET ${p.httpGet.path ?? '/'} on port ${String(p.httpGet.port)}`;
  if (p.tcpSocket) return `TCP connect to port ${String(p.tcpSocket.port)}`;
  if (p.exec) return `exec ${(p.exec.command ?? []).join(' ')}`;
  if (p.grpc) return `gRPC health on port ${p.grpc.port}`;
  return 'a probe';
}

/** What passing a probe takes, and what of the probe may be wrong. */
function probeFix(p: NonNullable<Container['readinessProbe']>): string {
  if (p.httpGet)
    return `Make the app answer GET ${p.httpGet.path ?? '/'} on port ${String(p.httpGet.port)} with a 2xx or 3xx status, or fix the probe's path, port or initialDelaySeconds.`;
  if (p.tcpSocket)
    return `Make the app listen on port ${String(p.tcpSocket.port)}, or fix the probe's port or initialDelaySeconds.`;
  if (p.exec)
    return `Make \`${(p.exec.command ?? []).join(' ')}\` exit 0 inside the container, or fix the probe's command.`;
  return 'Make the app pass the probe, or fix the probe.';
}

function explainNotReady(pod: Pod, ctx: WhyContext, ref: ContainerRef, events: Event[]): Why {
  const probe = ref.container.readinessProbe;
  const failed = latest(events, 'Unhealthy', /^Readiness probe failed/);
  const details: string[] = [];
  if (probe)
    details.push(
      `Readiness probe: ${probeText(probe)}, every ${probe.periodSeconds ?? 10}s, ${plural(probe.failureThreshold ?? 3, 'failure')} to turn not-ready.`,
    );
  if (failed)
    details.push(`${failed.message}${failed.count && failed.count > 1 ? ` (×${failed.count})` : ''}`);
  details.push('While not ready, Services send it no traffic and a rollout does not count it as available.');
  return {
    reason: 'NotReady',
    tone: 'warning',
    headline: probe
      ? `${cap(containerWord(ref))} is running but not ready: its readiness probe fails.`
      : `${cap(containerWord(ref))} is running but not ready.`,
    details,
    fix: probe ? probeFix(probe) : undefined,
    field: probe ? fieldOf(pod, ctx, [...ref.path, 'readinessProbe'], 'readinessProbe') : undefined,
  };
}

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/**
 * What keeps a pod from running, or undefined when nothing does (running and ready, completed,
 * or just starting with nothing wrong yet). The first problem in this order wins: scheduling,
 * images, configuration, crashes and OOM kills, volumes, readiness.
 */
export function explainPod(pod: Pod, ctx: WhyContext = {}): Why | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  const events = podEvents(pod, ctx.events);
  const phase = pod.status?.phase ?? 'Pending';
  if (phase === 'Succeeded') return undefined;
  if (!pod.spec?.nodeName) return phase === 'Pending' ? explainPending(pod, ctx, events) : undefined;
  const refs = containerRefs(pod);
  // Init containers run first: their trouble is the pod's.
  const ordered = [...refs.filter((r) => r.init), ...refs.filter((r) => !r.init)];
  for (const ref of ordered) {
    const w = ref.status?.state?.waiting;
    if (w?.reason && IMAGE_REASONS.has(w.reason)) return explainImage(pod, ctx, ref, w.reason, w.message);
  }
  for (const ref of ordered) {
    const w = ref.status?.state?.waiting;
    if (w?.reason && CONFIG_REASONS.has(w.reason))
      return explainConfigError(pod, ctx, ref, w.message ?? w.reason);
  }
  for (const ref of ordered) {
    const st = ref.status;
    if (!st) continue;
    if (st.state?.waiting?.reason === 'CrashLoopBackOff') return explainCrash(pod, ctx, ref, events);
    const term = st.state?.terminated;
    if (term?.reason === 'OOMKilled') return explainOom(pod, ctx, ref, false);
    if (term && term.exitCode !== 0 && (phase === 'Failed' || ref.init)) {
      const meaning = exitCodeMeaning(term.exitCode, term.signal);
      const f = commandField(ref);
      return {
        reason: 'Exited',
        tone: 'error',
        headline: `${cap(containerWord(ref))} failed: it exited with code ${term.exitCode}${meaning ? ` (${meaning.split(' — ')[0]})` : ''}.`,
        details: [
          ...(term.message ? [term.message.trim()] : []),
          `restartPolicy ${pod.spec?.restartPolicy ?? 'Always'}: the kubelet ${pod.spec?.restartPolicy === 'Never' ? 'does not restart it' : 'restarts it'}.`,
        ],
        fix: `See the last log lines for the error; fix the ${f.label} or the configuration it reads.`,
        field: fieldOf(pod, ctx, f.path, f.label),
        ...(ctx.logs?.length ? { logs: [...ctx.logs] } : {}),
      };
    }
  }
  const mount = latest(events, 'FailedMount');
  const creating = refs.some((r) => r.status?.state?.waiting?.reason === 'ContainerCreating' || !r.status);
  if (mount && creating && phase === 'Pending') {
    const vol = /volume "([^"]+)"/.exec(mount.message ?? '')?.[1];
    const i = (pod.spec?.volumes ?? []).findIndex((v) => v.name === vol);
    return {
      reason: 'VolumeMount',
      tone: 'error',
      headline: `A volume cannot be mounted${vol ? `: ${vol}` : ''}.`,
      details: [mount.message ?? ''],
      fix: 'Create what the volume refers to (ConfigMap, Secret, PersistentVolumeClaim), or fix the reference.',
      field: i >= 0 ? fieldOf(pod, ctx, ['spec', 'volumes', i], 'volumes') : undefined,
    };
  }
  if (phase === 'Running') {
    for (const ref of refs)
      if (!ref.init && ref.status?.state?.running && ref.status.ready === false) {
        const started = Date.parse(ref.status.state.running.startedAt ?? '');
        const probe = ref.container.readinessProbe;
        // Give a probe its initial delay and first period before calling it a problem.
        const grace = ((probe?.initialDelaySeconds ?? 0) + (probe?.periodSeconds ?? 10)) * 1000;
        if (
          !Number.isNaN(started) &&
          (ctx.now ?? Date.now()) - started < grace &&
          !latest(events, 'Unhealthy')
        )
          continue;
        return explainNotReady(pod, ctx, ref, events);
      }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rollouts

/** What a rollout's pods have: the pods' own explanations, computed by the caller. */
export interface RolloutPod {
  pod: Pod;
  why: Why | undefined;
}

/**
 * Why a Deployment's rollout is stuck, or undefined when it is not: ProgressDeadlineExceeded,
 * ReplicaFailure (quota, admission), or unavailable replicas whose pods have a problem. Points
 * at the pods and, when they share one cause, at the template field to change.
 */
export function explainRollout(d: Deployment, pods: readonly RolloutPod[]): Why | undefined {
  if (d.metadata.deletionTimestamp || d.spec?.paused) return undefined;
  const s = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  const conds = s.conditions ?? [];
  const deadline = conds.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const failure = conds.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const unavailable = s.unavailableReplicas ?? Math.max(0, desired - (s.availableReplicas ?? 0));
  const troubled = pods.filter((p) => p.why);
  if (!deadline && !failure && !(unavailable > 0 && troubled.length)) return undefined;
  const details: string[] = [];
  if (deadline)
    details.push(
      `Progress deadline (${d.spec?.progressDeadlineSeconds ?? 600}s) exceeded: ${deadline.message ?? 'no new pod became available in time.'}`,
    );
  if (failure) details.push(`ReplicaFailure: ${failure.message ?? failure.reason ?? ''}`);
  details.push(
    `${s.availableReplicas ?? 0} of ${desired} replicas available, ${s.updatedReplicas ?? 0} up to date${unavailable ? `, ${unavailable} unavailable` : ''}.`,
  );
  // The most common cause among the pods leads (the first pod's, on a tie).
  const byHeadline = new Map<string, RolloutPod[]>();
  for (const p of troubled) {
    const k = p.why!.headline;
    byHeadline.set(k, [...(byHeadline.get(k) ?? []), p]);
  }
  const top = [...byHeadline.values()].sort((a, b) => b.length - a.length)[0];
  const lead = top?.[0]?.why;
  const name = d.metadata.name ?? '';
  const problem = lead
    ? `${top.length === troubled.length && top.length === desired ? (top.length === 1 ? 'its pod is' : top.length === 2 ? 'both pods are' : `all ${top.length} pods are`) : `${plural(top.length, 'pod')} ${top.length === 1 ? 'is' : 'are'}`} not running`
    : failure
      ? (failure.message ?? 'the ReplicaSet cannot create pods')
      : 'new pods do not become available';
  return {
    reason: 'RolloutStuck',
    tone: deadline || failure ? 'error' : 'warning',
    headline: `Rollout of ${name} is ${deadline ? 'stuck' : 'not progressing'}: ${problem.replace(/\.$/, '')}.`,
    ...(lead ? { cause: lead.headline } : {}),
    details: [...details, ...(lead ? lead.details : [])],
    fix: lead?.fix,
    field:
      lead?.field && lead.field.target.kind === 'Deployment' && lead.field.target.name === name
        ? lead.field
        : undefined,
    pods: troubled.map((p) => ({
      name: p.pod.metadata.name ?? '',
      namespace: p.pod.metadata.namespace ?? '',
      status: podStatus(p.pod),
      headline: p.why!.headline,
      sameAsLead: p.why!.headline === lead?.headline,
    })),
    ...(lead?.logs ? { logs: lead.logs } : {}),
  };
}

/** The container whose previous instance's log lines explain a crash, if the pod crashes. */
export function crashedContainer(pod: Pod): { name: string; instance: string } | undefined {
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const last = s.lastState?.terminated;
    if (s.state?.waiting?.reason === 'CrashLoopBackOff' && last)
      return { name: s.name, instance: last.containerID ?? `${s.name}/${s.restartCount}` };
  }
  return undefined;
}

/** The workload that owns a pod's template: the Deployment above its ReplicaSet, or the direct owner. */
export function templateOwner(
  pod: Pod,
  replicaSetOwner: (rsName: string) => { kind: string; name: string } | undefined,
): WhyTarget | undefined {
  const ref = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!ref || !TEMPLATE_PATH[ref.kind]) return undefined;
  const namespace = pod.metadata.namespace ?? 'default';
  if (ref.kind === 'ReplicaSet') {
    const up = replicaSetOwner(ref.name);
    if (up?.kind === 'Deployment') return { kind: 'Deployment', namespace, name: up.name };
  }
  return { kind: ref.kind, namespace, name: ref.name };
}

/** The object's kind and name as a target. */
export function targetOf(o: KubeObject): WhyTarget {
  return { kind: o.kind ?? '', namespace: o.metadata.namespace ?? 'default', name: o.metadata.name ?? '' };
}
