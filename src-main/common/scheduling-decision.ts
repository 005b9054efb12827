/**
 * The scheduler's last decision about a pending pod, as it publishes it on the pod in the
 * `skiff.dev/scheduling` annotation: when the attempt ran and, per node, whether the pod fit
 * and every filter that refused it, with numbers where a number is the reason (CPU or memory
 * requested against what the node has left). kube-scheduler only leaves a histogram of
 * reasons in the FailedScheduling event ("0/1 nodes are available: 1 Insufficient memory");
 * this keeps the details so the dashboard can say which field to change and by how much.
 * Pure TS shared by the scheduler (writer) and the renderer (reader); the reader validates.
 */

/** The annotation key. */
export const SCHEDULING_ANNOTATION = 'skiff.dev/scheduling';

/** Format version of the annotation's JSON. */
export const SCHEDULING_DECISION_VERSION = 1;

/** At most this many nodes are listed (annotations are limited to 256 KiB in total). */
export const MAX_DECISION_NODES = 50;

/** The filter plugins, named as kube-scheduler names them (NodeReady is Skiff's readiness check). */
export const SCHEDULING_PLUGINS = [
  'NodeReady',
  'NodeUnschedulable',
  'TaintToleration',
  'NodeAffinity',
  'NodeName',
  'NodePorts',
  'NodeResourcesFit',
] as const;
export type SchedulingPlugin = (typeof SCHEDULING_PLUGINS)[number];

/** Resources NodeResourcesFit counts: cpu in millicores, memory in bytes, pods as a count. */
export type FitResource = 'cpu' | 'memory' | 'pods';

/** One reason a node refused the pod. */
export interface SchedulingReason {
  plugin: SchedulingPlugin;
  /** kube-scheduler's wording ("Insufficient memory"). */
  message: string;
  /** NodeResourcesFit: the resource, and its numbers in the resource's unit. */
  resource?: FitResource;
  /** What the pod requests (for pods: 1). */
  requested?: number;
  /** The node's allocatable. */
  allocatable?: number;
  /** What pods already bound to the node request. */
  used?: number;
  /** TaintToleration (and NodeUnschedulable's taint): the taint no toleration covers. */
  taint?: { key: string; value?: string; effect: string };
  /** NodeAffinity: the node's labels the pod's nodeSelector names, as they are (absent: missing). */
  nodeLabels?: Record<string, string | null>;
  /** NodePorts: the host port already taken, and by which pod. */
  hostPort?: { port: number; protocol: string; hostIP?: string; usedBy?: string };
}

/** The verdict for one node. */
export interface NodeDecision {
  node: string;
  fit: boolean;
  reasons: SchedulingReason[];
}

/** The annotation's content. */
export interface SchedulingDecision {
  version: number;
  /** RFC 3339 time of the first attempt that reached this outcome. */
  attemptTime: string;
  /** The FailedScheduling message of the attempt. */
  message: string;
  nodes: NodeDecision[];
  /** Nodes left out of `nodes` (beyond MAX_DECISION_NODES). */
  omittedNodes?: number;
}

/** Whether two decisions say the same thing (the attempt time aside): no write when they do. */
export function sameDecision(a: SchedulingDecision | undefined, b: SchedulingDecision | undefined): boolean {
  if (!a || !b) return a === b;
  const strip = (d: SchedulingDecision) => JSON.stringify({ ...d, attemptTime: '' });
  return strip(a) === strip(b);
}

/** The annotation's text for a decision. */
export function formatSchedulingDecision(d: SchedulingDecision): string {
  return JSON.stringify(d);
}

/** A malformed annotation. */
export class SchedulingDecisionError extends Error {
  override name = 'SchedulingDecisionError';
}

function fail(where: string, what: string): never {
  throw new SchedulingDecisionError(`${SCHEDULING_ANNOTATION}: ${where} ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optNumber(o: Record<string, unknown>, k: string, where: string): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${where}.${k}`, 'must be a finite number');
  return v;
}

function str(o: Record<string, unknown>, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') fail(`${where}.${k}`, 'must be a string');
  return v;
}

function parseReason(v: unknown, where: string): SchedulingReason {
  if (!isObject(v)) fail(where, 'must be an object');
  const plugin = str(v, 'plugin', where);
  if (!(SCHEDULING_PLUGINS as readonly string[]).includes(plugin))
    fail(`${where}.plugin`, `is "${plugin}", not one of ${SCHEDULING_PLUGINS.join(', ')}`);
  const r: SchedulingReason = { plugin: plugin as SchedulingPlugin, message: str(v, 'message', where) };
  if (v.resource !== undefined) {
    if (v.resource !== 'cpu' && v.resource !== 'memory' && v.resource !== 'pods')
      fail(`${where}.resource`, 'must be cpu, memory or pods');
    r.resource = v.resource;
  }
  for (const k of ['requested', 'allocatable', 'used'] as const) {
    const n = optNumber(v, k, where);
    if (n !== undefined) r[k] = n;
  }
  if (v.taint !== undefined) {
    const t = v.taint;
    if (!isObject(t)) fail(`${where}.taint`, 'must be an object');
    r.taint = { key: str(t, 'key', `${where}.taint`), effect: str(t, 'effect', `${where}.taint`) };
    if (t.value !== undefined) r.taint.value = str(t, 'value', `${where}.taint`);
  }
  if (v.nodeLabels !== undefined) {
    const l = v.nodeLabels;
    if (!isObject(l)) fail(`${where}.nodeLabels`, 'must be an object');
    for (const [k, x] of Object.entries(l))
      if (x !== null && typeof x !== 'string') fail(`${where}.nodeLabels.${k}`, 'must be a string or null');
    r.nodeLabels = l as Record<string, string | null>;
  }
  if (v.hostPort !== undefined) {
    const h = v.hostPort;
    if (!isObject(h)) fail(`${where}.hostPort`, 'must be an object');
    const port = optNumber(h, 'port', `${where}.hostPort`);
    if (port === undefined) fail(`${where}.hostPort.port`, 'is required');
    r.hostPort = { port, protocol: str(h, 'protocol', `${where}.hostPort`) };
    if (h.hostIP !== undefined) r.hostPort.hostIP = str(h, 'hostIP', `${where}.hostPort`);
    if (h.usedBy !== undefined) r.hostPort.usedBy = str(h, 'usedBy', `${where}.hostPort`);
  }
  return r;
}

/**
 * Parses and validates the annotation's text; throws SchedulingDecisionError saying which field
 * is wrong. Unknown fields are dropped, so a newer writer's additions do not break a reader.
 */
export function parseSchedulingDecision(text: string): SchedulingDecision {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    fail('is', `not JSON (${(err as Error).message})`);
  }
  if (!isObject(v)) fail('value', 'must be a JSON object');
  const version = optNumber(v, 'version', 'decision');
  if (version !== SCHEDULING_DECISION_VERSION)
    fail('decision.version', `is ${String(version)}; this reader knows ${SCHEDULING_DECISION_VERSION}`);
  const attemptTime = str(v, 'attemptTime', 'decision');
  if (Number.isNaN(Date.parse(attemptTime))) fail('decision.attemptTime', 'is not a time');
  if (!Array.isArray(v.nodes)) fail('decision.nodes', 'must be an array');
  const nodes = v.nodes.map((n: unknown, i: number): NodeDecision => {
    const where = `nodes[${i}]`;
    if (!isObject(n)) fail(where, 'must be an object');
    if (typeof n.fit !== 'boolean') fail(`${where}.fit`, 'must be a boolean');
    if (!Array.isArray(n.reasons)) fail(`${where}.reasons`, 'must be an array');
    return {
      node: str(n, 'node', where),
      fit: n.fit,
      reasons: n.reasons.map((r: unknown, j: number) => parseReason(r, `${where}.reasons[${j}]`)),
    };
  });
  const d: SchedulingDecision = { version, attemptTime, message: str(v, 'message', 'decision'), nodes };
  const omitted = optNumber(v, 'omittedNodes', 'decision');
  if (omitted !== undefined) d.omittedNodes = omitted;
  return d;
}

/** The decision on a pod, if it has a well-formed one and is still unbound. */
export function schedulingDecisionOf(pod: {
  metadata?: { annotations?: Record<string, string> };
  spec?: { nodeName?: string };
}): SchedulingDecision | undefined {
  if (pod.spec?.nodeName) return undefined;
  const text = pod.metadata?.annotations?.[SCHEDULING_ANNOTATION];
  if (!text) return undefined;
  try {
    return parseSchedulingDecision(text);
  } catch {
    // A malformed annotation explains nothing; the event and the condition still do.
    return undefined;
  }
}
