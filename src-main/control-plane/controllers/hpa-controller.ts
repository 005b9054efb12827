import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2';
import type { KubeClient } from '../../common/client/client';
import { isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { rfc3339 } from '../../common/clock';
import { R, RESOURCES, apiVersionOf, type ResourceType } from '../../common/resources';
import type { KubeObject, Pod } from '../../common/types';
import {
  EventRecorder,
  Controller,
  type ControllerOptions,
  type ReconcileResult,
  type SharedInformers,
} from '../client';
import { emitEvent, setCondition } from './controller-util';
import { clone, isPodReady } from './pod-util';
import { formatQuantity, milliValue, podResource } from '../../common/quota';
import { deepEqual } from '../../common/json';

type HPA = HorizontalPodAutoscaler & KubeObject;
type PodObj = Pod & KubeObject;

/** One pod's usage as metrics.k8s.io/v1beta1 PodMetrics reports it. */
export interface PodMetrics {
  metadata: { name: string; namespace?: string };
  containers: { name: string; usage: Record<string, string> }[];
}

/** Where pod metrics come from (default: the metrics.k8s.io API). */
export type MetricsSource = (namespace: string, labelSelector: string) => Promise<PodMetrics[]>;

/** Options of the HorizontalPodAutoscalerController. */
export interface HpaControllerOptions extends ControllerOptions {
  /** Resync period (upstream --horizontal-pod-autoscaler-sync-period: 15 s). */
  syncPeriodMs?: number;
  metrics?: MetricsSource;
}

/** Ratio band within which no scaling happens (upstream tolerance 0.1). */
const TOLERANCE = 0.1;

interface ScaleView {
  replicas: number;
  selector: string;
  resourceVersion?: string;
}

/** Parses a label selector string (`a=b,c in (x,y),!d`) into a matcher (the Scale's status.selector). */
function labelSelectorMatcher(sel: string): (labels: Record<string, string> | undefined) => boolean {
  const terms = (sel.match(/([^,(]+(\([^)]*\))?)/g) ?? []).map((t) => t.trim()).filter(Boolean);
  return (labels = {}) =>
    terms.every((t) => {
      let m: RegExpMatchArray | null;
      if ((m = t.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
        const vals = m[3].split(',').map((s) => s.trim());
        const has = m[1] in labels && vals.includes(labels[m[1]]);
        return m[2] === 'in' ? has : !has;
      }
      if ((m = t.match(/^(.+?)\s*!=\s*(.*)$/))) return labels[m[1]] !== m[2];
      if ((m = t.match(/^(.+?)\s*==?\s*(.*)$/))) return labels[m[1]] === m[2];
      if (t.startsWith('!')) return !(t.slice(1) in labels);
      return t in labels;
    });
}

/**
 * The replica count one resource metric asks for (replica_calculator.GetResourceReplicas):
 * utilization = Σusage / Σrequests over ready pods with metrics; no change within the
 * tolerance band; else ceil(ratio × pods with metrics).
 */
function resourceReplicas(
  current: number,
  pods: PodObj[],
  metrics: Map<string, number>,
  resource: string,
  target: { averageUtilization?: number; averageValue?: string },
): { replicas: number; utilization?: number; averageValue: number } {
  let usage = 0;
  let requests = 0;
  let counted = 0;
  for (const p of pods) {
    const u = metrics.get(p.metadata.name!);
    if (u === undefined) continue;
    usage += u;
    requests += podResource(p, 'requests', resource);
    counted++;
  }
  if (!counted) return { replicas: current, averageValue: 0 };
  const averageValue = usage / counted;
  if (target.averageUtilization !== undefined) {
    if (!requests) throw new Error(`missing request for ${resource}`);
    const utilization = Math.round((usage * 100) / requests);
    const ratio = utilization / target.averageUtilization;
    if (Math.abs(ratio - 1) <= TOLERANCE) return { replicas: current, utilization, averageValue };
    return { replicas: Math.ceil(ratio * counted), utilization, averageValue };
  }
  const want = milliValue(target.averageValue ?? '0');
  if (!want) return { replicas: current, averageValue };
  const ratio = usage / (want * current);
  if (Math.abs(ratio - 1) <= TOLERANCE) return { replicas: current, averageValue };
  return { replicas: Math.ceil(usage / want), averageValue };
}

/**
 * kube-controller-manager's horizontal pod autoscaler (autoscaling/v2): every 15 s per HPA it
 * reads the target's /scale subresource, the selected pods and their metrics.k8s.io
 * PodMetrics, computes the desired replicas for each Resource metric (Utilization against the
 * pods' requests, or AverageValue), takes the largest, applies the stabilization windows
 * (scale-down 300 s by default, scale-up 0) and the default rate limits, clamps to
 * min/maxReplicas and writes the new count to /scale. Status has currentMetrics,
 * current/desiredReplicas, lastScaleTime and the AbleToScale/ScalingActive/ScalingLimited
 * conditions.
 */
export class HorizontalPodAutoscalerController extends Controller {
  private readonly hpaInf: Informer<HPA>;
  private readonly podInf: Informer<PodObj>;
  private readonly recorder: EventRecorder;
  private readonly syncPeriodMs: number;
  private readonly metrics: MetricsSource;
  /** Recent recommendations per HPA key, for the stabilization windows. */
  private readonly recommendations = new Map<string, { at: number; replicas: number }[]>();
  /** Recent scale changes per HPA key, for the scaling policies' periods. */
  private readonly scaleEvents = new Map<string, { at: number; delta: number }[]>();

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    opts: HpaControllerOptions = {},
  ) {
    super('horizontal-pod-autoscaler', opts);
    this.syncPeriodMs = opts.syncPeriodMs ?? 15_000;
    this.metrics =
      opts.metrics ??
      (async (namespace, labelSelector) => {
        const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
        const list = await client.raw<{ items?: PodMetrics[] }>({
          method: 'GET',
          path: `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${q}`,
        });
        return list.items ?? [];
      });
    this.recorder = new EventRecorder(client, 'horizontal-pod-autoscaler', '', this.clock);
    this.hpaInf = informers.informerFor<HPA>(R.horizontalpodautoscalers);
    this.podInf = informers.informerFor<PodObj>(R.pods);
    this.hpaInf.addHandler({
      add: (h) => this.enqueue(h),
      update: (h, old) => {
        // Our own status writes must not cut the sync period short.
        if (!deepEqual(h.spec, old.spec)) this.enqueue(h);
      },
      delete: (h) => {
        this.recommendations.delete(`${h.metadata.namespace}/${h.metadata.name}`);
        this.scaleEvents.delete(`${h.metadata.namespace}/${h.metadata.name}`);
      },
    });
  }

  private event(h: HPA, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return emitEvent(this.recorder, this.log, R.horizontalpodautoscalers, h, type, reason, message);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const hpa = this.hpaInf.get(key);
    if (!hpa || hpa.metadata.deletionTimestamp) {
      this.recommendations.delete(key);
      this.scaleEvents.delete(key);
      return;
    }
    const now = this.clock.now();
    const ns = hpa.metadata.namespace!;
    const ref = hpa.spec?.scaleTargetRef;
    const status: HorizontalPodAutoscalerStatus = clone(hpa.status ?? { desiredReplicas: 0 });
    let conditions = [...(status.conditions ?? [])] as HorizontalPodAutoscalerCondition[];
    const cond = (type: string, ok: boolean, reason: string, message: string) => {
      conditions = setCondition(conditions, { type, status: ok ? 'True' : 'False', reason, message }, now);
    };
    const done = async () => {
      status.conditions = conditions;
      status.observedGeneration = hpa.metadata.generation;
      if (!deepEqual(status, hpa.status ?? {})) {
        const copy = clone(hpa);
        copy.status = status;
        try {
          await this.client.updateStatus(R.horizontalpodautoscalers, copy);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return { requeueAfter: this.syncPeriodMs };
    };

    const type = RESOURCES.find(
      (t) =>
        apiVersionOf(t) === ref?.apiVersion &&
        t.kind === ref?.kind &&
        (t.subresources ?? []).includes('scale'),
    );
    let scale: ScaleView;
    try {
      if (!type || !ref?.name)
        throw new Error(
          `the HPA controller was unable to get the target's current scale: no scale subresource for ${ref?.kind}`,
        );
      scale = await this.getScale(type, ref.name, ns);
    } catch (err) {
      cond(
        'AbleToScale',
        false,
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${(err as Error).message}`,
      );
      await this.event(hpa, 'Warning', 'FailedGetScale', (err as Error).message);
      return done();
    }
    const current = scale.replicas;
    status.currentReplicas = current;
    const min = hpa.spec?.minReplicas ?? 1;
    const max = hpa.spec?.maxReplicas ?? 1;

    // Scaling is disabled when the target was scaled to zero by hand.
    if (current === 0 && min !== 0) {
      cond(
        'ScalingActive',
        false,
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
      status.desiredReplicas = 0;
      return done();
    }

    // ---- metrics -----------------------------------------------------------------------
    const matches = labelSelectorMatcher(scale.selector);
    const pods = this.podInf
      .list()
      .filter(
        (p) =>
          p.metadata.namespace === ns &&
          !p.metadata.deletionTimestamp &&
          p.status?.phase !== 'Failed' &&
          p.status?.phase !== 'Succeeded' &&
          matches(p.metadata.labels),
      );
    let proposal = 0;
    const currentMetrics: MetricStatus[] = [];
    let metricName = '';
    let metricsErr: Error | undefined;
    try {
      const specs = hpa.spec?.metrics?.length
        ? hpa.spec.metrics
        : [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
            },
          ];
      let list: PodMetrics[] | undefined;
      for (const m of specs) {
        if (m.type !== 'Resource' && m.type !== 'ContainerResource')
          throw new Error(`unsupported metric type ${m.type}`);
        const res =
          m.type === 'Resource'
            ? m.resource!
            : { name: m.containerResource!.name, target: m.containerResource!.target };
        const container = m.type === 'ContainerResource' ? m.containerResource!.container : undefined;
        list ??= await this.metrics(ns, scale.selector);
        const usage = new Map<string, number>();
        for (const pm of list) {
          // Pods not Ready yet are left out, as upstream does for CPU during start-up.
          const pod = pods.find((p) => p.metadata.name === pm.metadata.name);
          if (!pod || (res.name === 'cpu' && !isPodReady(pod))) continue;
          const cs = pm.containers.filter((c) => !container || c.name === container);
          usage.set(
            pm.metadata.name,
            cs.reduce((n, c) => n + milliValue(c.usage[res.name]), 0),
          );
        }
        if (!usage.size)
          throw new Error(
            `unable to get metrics for resource ${res.name}: no metrics returned from resource metrics API`,
          );
        const target = res.target ?? {};
        const r = resourceReplicas(
          current,
          pods.filter((p) => usage.has(p.metadata.name!)),
          usage,
          res.name,
          target.type === 'Utilization'
            ? { averageUtilization: target.averageUtilization ?? 80 }
            : { averageValue: target.averageValue as string | undefined },
        );
        const value = formatQuantity(Math.round(r.averageValue), res.name === 'memory');
        const cur =
          r.utilization !== undefined
            ? { averageUtilization: r.utilization, averageValue: value }
            : { averageValue: value };
        currentMetrics.push(
          m.type === 'Resource'
            ? { type: 'Resource', resource: { name: res.name, current: cur } }
            : {
                type: 'ContainerResource',
                containerResource: { name: res.name, container: container!, current: cur },
              },
        );
        if (r.replicas > proposal) {
          proposal = r.replicas;
          metricName =
            target.type === 'Utilization'
              ? `${res.name} resource utilization (percentage of request)`
              : `${res.name} resource`;
        }
      }
    } catch (err) {
      metricsErr = err as Error;
    }
    if (metricsErr) {
      cond(
        'AbleToScale',
        true,
        'SucceededGetScale',
        "the HPA controller was able to get the target's current scale",
      );
      cond(
        'ScalingActive',
        false,
        'FailedGetResourceMetric',
        `the HPA was unable to compute the replica count: ${metricsErr.message}`,
      );
      await this.event(hpa, 'Warning', 'FailedGetResourceMetric', metricsErr.message);
      status.desiredReplicas = current;
      return done();
    }
    status.currentMetrics = currentMetrics;
    cond(
      'ScalingActive',
      true,
      'ValidMetricFound',
      `the HPA was able to successfully calculate a replica count from ${metricName}`,
    );

    // ---- stabilization, rate limits, bounds ------------------------------------------------
    const desired = this.stabilize(key, hpa, current, proposal, now);
    let final = desired;
    let limited: [string, string] | undefined;
    if (final > max) {
      final = max;
      limited = ['TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    } else if (final < min) {
      final = min;
      limited = ['TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    }
    cond(
      'ScalingLimited',
      !!limited,
      limited?.[0] ?? 'DesiredWithinRange',
      limited?.[1] ?? 'the desired count is within the acceptable range',
    );
    status.desiredReplicas = final;
    if (final !== current) {
      try {
        await this.setScale(type!, ref!.name, ns, final, scale.resourceVersion);
      } catch (err) {
        cond(
          'AbleToScale',
          false,
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${(err as Error).message}`,
        );
        await this.event(
          hpa,
          'Warning',
          'FailedRescale',
          `New size: ${final}; reason: ${metricName} ${final > current ? 'above' : 'below'} target; error: ${(err as Error).message}`,
        );
        return done();
      }
      status.lastScaleTime = rfc3339(now);
      const events = (this.scaleEvents.get(key) ?? []).filter((e) => e.at > now - 30 * 60_000);
      events.push({ at: now, delta: final - current });
      this.scaleEvents.set(key, events);
      cond(
        'AbleToScale',
        true,
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${final}`,
      );
      await this.event(
        hpa,
        'Normal',
        'SuccessfulRescale',
        `New size: ${final}; reason: ${metricName} ${final > current ? 'above' : 'below'} target`,
      );
    } else {
      cond(
        'AbleToScale',
        true,
        desired !== proposal ? 'ScaleDownStabilized' : 'ReadyForNewScale',
        desired !== proposal
          ? 'recent recommendations were higher than current one, applying the highest recent recommendation'
          : 'recommended size matches current size',
      );
    }
    return done();
  }

  /** Stabilization windows and default scaling policies (normalizeDesiredReplicasWithBehaviors). */
  private stabilize(key: string, hpa: HPA, current: number, proposal: number, now: number): number {
    const behavior = hpa.spec?.behavior;
    const downWindow = (behavior?.scaleDown?.stabilizationWindowSeconds ?? 300) * 1000;
    const upWindow = (behavior?.scaleUp?.stabilizationWindowSeconds ?? 0) * 1000;
    const keep = Math.max(downWindow, upWindow);
    const recs = (this.recommendations.get(key) ?? []).filter((r) => r.at > now - keep);
    recs.push({ at: now, replicas: proposal });
    this.recommendations.set(key, recs);
    let upLimit = proposal;
    let downLimit = proposal;
    for (const r of recs) {
      if (r.at > now - upWindow) upLimit = Math.min(upLimit, r.replicas);
      if (r.at > now - downWindow) downLimit = Math.max(downLimit, r.replicas);
    }
    let desired = current;
    if (upLimit > current) desired = upLimit;
    else if (downLimit < current) desired = downLimit;
    if (desired > current) desired = Math.min(desired, this.rateLimit(key, hpa, current, now, 'up'));
    else if (desired < current) desired = Math.max(desired, this.rateLimit(key, hpa, current, now, 'down'));
    return desired;
  }

  /**
   * The most (up) or fewest (down) replicas the scaling policies allow right now
   * (calculateScaleUpLimitWithScalingRules / …DownLimit…): each policy bounds the change
   * relative to the replica count at the start of its period; selectPolicy Max takes the policy
   * allowing the biggest change, Min the smallest, Disabled none. Defaults: up max(100 %, 4 pods)
   * per 15 s, down 100 % per 15 s.
   */
  private rateLimit(key: string, hpa: HPA, current: number, now: number, dir: 'up' | 'down'): number {
    const rules = dir === 'up' ? hpa.spec?.behavior?.scaleUp : hpa.spec?.behavior?.scaleDown;
    const select = rules?.selectPolicy ?? 'Max';
    if (select === 'Disabled') return current;
    const policies =
      rules?.policies ??
      (dir === 'up'
        ? [
            { type: 'Percent', value: 100, periodSeconds: 15 },
            { type: 'Pods', value: 4, periodSeconds: 15 },
          ]
        : [{ type: 'Percent', value: 100, periodSeconds: 15 }]);
    const events = this.scaleEvents.get(key) ?? [];
    const limits = policies.map((p) => {
      const since = now - p.periodSeconds * 1000;
      const changed = events.filter((e) => e.at > since && (dir === 'up' ? e.delta > 0 : e.delta < 0));
      const start = current - changed.reduce((n, e) => n + e.delta, 0);
      if (dir === 'up') return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      return p.type === 'Pods' ? start - p.value : Math.ceil(start * (1 - p.value / 100));
    });
    const biggest = dir === 'up' ? Math.max(...limits) : Math.min(...limits);
    const smallest = dir === 'up' ? Math.min(...limits) : Math.max(...limits);
    return Math.max(0, select === 'Min' ? smallest : biggest);
  }

  private async getScale(type: ResourceType, name: string, ns: string): Promise<ScaleView> {
    const s = await this.client.get<KubeObject>(type, name, ns, 'scale');
    return {
      replicas: (s.spec as { replicas?: number } | undefined)?.replicas ?? 0,
      selector: (s.status as { selector?: string } | undefined)?.selector ?? '',
      resourceVersion: s.metadata.resourceVersion,
    };
  }

  private async setScale(
    type: ResourceType,
    name: string,
    ns: string,
    replicas: number,
    rv?: string,
  ): Promise<void> {
    await this.client.update<KubeObject>(
      type,
      {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace: ns, resourceVersion: rv },
        spec: { replicas },
      },
      { subresource: 'scale' },
    );
  }
}
