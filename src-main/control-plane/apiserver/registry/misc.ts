/**
 * The smaller groups: autoscaling (HPA v2 and v1, with the v1 ↔ v2 conversion), policy (PDBs),
 * networking.k8s.io (Ingress, IngressClass, NetworkPolicy), storage.k8s.io (StorageClass),
 * scheduling.k8s.io (PriorityClass), discovery.k8s.io (EndpointSlice) and events.k8s.io Events.
 */
import type {
  HorizontalPodAutoscaler as HpaV2,
  MetricSpec,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Event as EventV1 } from 'kubernetes-types/events/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../common/resources';
import type { KubeObject } from '../../../common/types';
import { DEFAULT_CLASS_ANNOTATION } from './core';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  selectorString,
  validateObjectMeta,
  type Strategy,
} from './strategy';
import { Errors, dns1123Subdomain, immutable, validateLabels } from './validation';

// -------------------------------------------------------------------------------------------------
// autoscaling

const ANN_METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
const ANN_BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
const ANN_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
const ANN_CURRENT = 'autoscaling.alpha.kubernetes.io/current-metrics';

const isCpuUtil = (m: MetricSpec) =>
  m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.type === 'Utilization';

/**
 * autoscaling/v2 → v1, like upstream's conversion: the CPU utilization target maps to
 * targetCPUUtilizationPercentage; what v1 cannot express travels in annotations.
 */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const h = structuredClone(obj) as unknown as HpaV2;
  const spec = h.spec;
  const metrics = spec?.metrics ?? [];
  const cpu = metrics.find(isCpuUtil);
  const others = metrics.filter((m) => m !== cpu);
  const ann: Record<string, string> = { ...(h.metadata?.annotations ?? {}) };
  if (others.length) ann[ANN_METRICS] = JSON.stringify(others);
  if (spec?.behavior) ann[ANN_BEHAVIOR] = JSON.stringify(spec.behavior);
  const st = h.status;
  if (st?.conditions?.length) ann[ANN_CONDITIONS] = JSON.stringify(st.conditions);
  const curCpu = (st?.currentMetrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const curOthers = (st?.currentMetrics ?? []).filter((m) => m !== curCpu);
  if (curOthers.length) ann[ANN_CURRENT] = JSON.stringify(curOthers);
  const v1: HpaV1 = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...h.metadata, ...(Object.keys(ann).length ? { annotations: ann } : {}) },
    spec: {
      scaleTargetRef: spec?.scaleTargetRef ?? { kind: '', name: '' },
      ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec?.maxReplicas ?? 0,
      ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource!.target.averageUtilization } : {}),
    },
  };
  if (st)
    v1.status = {
      ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
      ...(st.lastScaleTime ? { lastScaleTime: st.lastScaleTime } : {}),
      currentReplicas: st.currentReplicas ?? 0,
      desiredReplicas: st.desiredReplicas ?? 0,
      ...(curCpu?.resource?.current.averageUtilization !== undefined
        ? { currentCPUUtilizationPercentage: curCpu.resource.current.averageUtilization }
        : {}),
    };
  return v1 as unknown as KubeObject;
}

/** autoscaling/v1 → v2 (the storage version), restoring what the annotations carried. */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const h = structuredClone(obj) as unknown as HpaV1;
  const ann = { ...(h.metadata?.annotations ?? {}) };
  const take = <T>(k: string): T | undefined => {
    const v = ann[k];
    delete ann[k];
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v) as T;
    } catch {
      return undefined;
    }
  };
  const others = take<MetricSpec[]>(ANN_METRICS) ?? [];
  const behavior =
    take<HpaV2['spec'] extends infer S ? (S extends { behavior?: infer B } ? B : never) : never>(
      ANN_BEHAVIOR,
    );
  const conditions = take<NonNullable<HpaV2['status']>['conditions']>(ANN_CONDITIONS);
  const curOthers = take<MetricStatus[]>(ANN_CURRENT) ?? [];
  const spec = h.spec;
  const metrics: MetricSpec[] = [];
  if (spec?.targetCPUUtilizationPercentage !== undefined)
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  metrics.push(...others);
  const meta = { ...h.metadata };
  if (Object.keys(ann).length) meta.annotations = ann;
  else delete meta.annotations;
  const v2: HpaV2 = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta,
    spec: {
      scaleTargetRef: spec?.scaleTargetRef ?? { kind: '', name: '' },
      ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec?.maxReplicas ?? 0,
      ...(metrics.length ? { metrics } : {}),
      ...(behavior ? { behavior } : {}),
    },
  };
  const st = h.status;
  if (st) {
    const current: MetricStatus[] = [];
    if (st.currentCPUUtilizationPercentage !== undefined)
      current.push({
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } },
      });
    current.push(...curOthers);
    v2.status = {
      ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
      ...(st.lastScaleTime ? { lastScaleTime: st.lastScaleTime } : {}),
      currentReplicas: st.currentReplicas ?? 0,
      desiredReplicas: st.desiredReplicas ?? 0,
      ...(current.length ? { currentMetrics: current } : {}),
      ...(conditions ? { conditions } : {}),
    };
  }
  return v2 as unknown as KubeObject;
}

function validateScaleBounds(
  errs: Errors,
  spec:
    | { minReplicas?: number; maxReplicas?: number; scaleTargetRef?: { kind?: string; name?: string } }
    | undefined,
): void {
  if (!isObject(spec)) {
    errs.required('spec');
    return;
  }
  if (!spec.scaleTargetRef?.kind) errs.required('spec.scaleTargetRef.kind');
  if (!spec.scaleTargetRef?.name) errs.required('spec.scaleTargetRef.name');
  if (spec.minReplicas !== undefined && !(spec.minReplicas >= 1))
    errs.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1');
  if (spec.maxReplicas === undefined || !(spec.maxReplicas >= 1))
    errs.invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0');
  else if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas)
    errs.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`');
}

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function validateHpaV2(obj: KubeObject): StatusCause[] {
  const errs = validateObjectMeta(R.horizontalpodautoscalers, obj);
  const spec = (obj as unknown as HpaV2).spec;
  validateScaleBounds(errs, spec);
  (spec?.metrics ?? []).forEach((m, i) => {
    const f = `spec.metrics[${i}]`;
    if (!METRIC_TYPES.includes(m?.type)) {
      errs.notSupported(`${f}.type`, m?.type, METRIC_TYPES);
      return;
    }
    if (m.type === 'Resource' || m.type === 'ContainerResource') {
      const r = m.type === 'Resource' ? m.resource : m.containerResource;
      const rf = `${f}.${m.type === 'Resource' ? 'resource' : 'containerResource'}`;
      if (!r) errs.required(rf, `must populate information for the given metric source`);
      else {
        if (!r.name) errs.required(`${rf}.name`);
        const t = r.target;
        if (!t?.type) errs.required(`${rf}.target.type`);
        else if (!['Utilization', 'Value', 'AverageValue'].includes(t.type))
          errs.notSupported(`${rf}.target.type`, t.type, ['AverageValue', 'Utilization', 'Value']);
        if (t?.type === 'Utilization' && !(t.averageUtilization !== undefined && t.averageUtilization > 0))
          errs.required(`${rf}.target.averageUtilization`, 'must be greater than 0');
      }
    }
  });
  return errs.causes;
}

function targetsCell(h: HpaV2): string {
  const specs = h.spec?.metrics ?? [];
  if (!specs.length) return '<none>';
  const current = h.status?.currentMetrics ?? [];
  const parts = specs.map((m, i) => {
    const cur = current[i];
    if (m.type === 'Resource' || m.type === 'ContainerResource') {
      const r = m.type === 'Resource' ? m.resource : m.containerResource;
      const cr =
        cur?.type === m.type ? (m.type === 'Resource' ? cur.resource : cur.containerResource) : undefined;
      const name = r?.name ?? '';
      if (r?.target.type === 'Utilization') {
        const c = cr?.current.averageUtilization;
        return `${name}: ${c === undefined ? '<unknown>' : `${c}%`}/${r.target.averageUtilization}%`;
      }
      const c = cr?.current.averageValue;
      return `${name}: ${c ?? '<unknown>'}/${r?.target.averageValue ?? r?.target.value ?? ''}`;
    }
    const target =
      m.type === 'Pods' ? m.pods?.target : m.type === 'Object' ? m.object?.target : m.external?.target;
    const tv = target?.averageValue ?? target?.value ?? '';
    const curV =
      cur?.type === 'Pods'
        ? cur.pods?.current.averageValue
        : cur?.type === 'Object'
          ? (cur.object?.current.value ?? cur.object?.current.averageValue)
          : cur?.type === 'External'
            ? (cur.external?.current.value ?? cur.external?.current.averageValue)
            : undefined;
    return `${curV ?? '<unknown>'}/${tv}${target?.averageValue !== undefined && m.type !== 'Pods' ? ' (avg)' : ''}`;
  });
  return parts.length > 2
    ? `${parts.slice(0, 2).join(', ')} + ${parts.length - 2} more...`
    : parts.join(', ');
}

const HPA_COLUMNS = [
  NAME_COLUMN,
  col(
    'Reference',
    'string',
    'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
  ),
  col(
    'Targets',
    'string',
    'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).',
  ),
  col(
    'MinPods',
    'string',
    'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.',
  ),
  col(
    'MaxPods',
    'integer',
    'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.',
  ),
  col(
    'Replicas',
    'integer',
    'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
  ),
  AGE_COLUMN,
];

function hpaCells(h: HpaV2, obj: KubeObject, now: number): unknown[] {
  const ref = h.spec?.scaleTargetRef;
  return [
    obj.metadata.name,
    `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
    targetsCell(h),
    h.spec?.minReplicas !== undefined ? String(h.spec.minReplicas) : '<unset>',
    h.spec?.maxReplicas ?? 0,
    h.status?.currentReplicas ?? 0,
    age(obj.metadata.creationTimestamp, now),
  ];
}

/** autoscaling/v2 HorizontalPodAutoscaler (the storage version). */
export const hpaV2Strategy: Strategy = {
  type: R.horizontalpodautoscalers,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as HpaV2).spec;
    if (!isObject(spec)) return;
    spec.minReplicas ??= 1;
    if (!spec.metrics?.length)
      spec.metrics = [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ];
    const b = spec.behavior;
    if (isObject(b)) {
      // SetDefaults_HorizontalPodAutoscalerBehavior: only when behavior is given.
      b.scaleUp ??= {};
      b.scaleUp.stabilizationWindowSeconds ??= 0;
      b.scaleUp.selectPolicy ??= 'Max';
      b.scaleUp.policies ??= [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ];
      b.scaleDown ??= {};
      b.scaleDown.stabilizationWindowSeconds ??= 300;
      b.scaleDown.selectPolicy ??= 'Max';
      b.scaleDown.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
    }
  },
  validate: validateHpaV2,
  table: { columns: HPA_COLUMNS, cells: (obj, now) => hpaCells(obj as unknown as HpaV2, obj, now) },
};

/** autoscaling/v1 HorizontalPodAutoscaler, stored as v2 (see ServingStorage). */
export const hpaV1Strategy: Strategy = {
  type: R.horizontalpodautoscalersV1,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as HpaV1).spec;
    if (isObject(spec)) spec.minReplicas ??= 1;
  },
  validate(obj) {
    const errs = validateObjectMeta(R.horizontalpodautoscalersV1, obj);
    const spec = (obj as unknown as HpaV1).spec;
    validateScaleBounds(errs, spec);
    const t = spec?.targetCPUUtilizationPercentage;
    if (t !== undefined && !(t >= 1))
      errs.invalid('spec.targetCPUUtilizationPercentage', t, 'must be greater than or equal to 1');
    return errs.causes;
  },
  table: {
    columns: HPA_COLUMNS,
    cells: (obj, now) => hpaCells(hpaV1ToV2(obj) as unknown as HpaV2, obj, now),
  },
};

// -------------------------------------------------------------------------------------------------
// policy

function intOrPercent(v: unknown): boolean {
  return (
    (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+%$/.test(v))
  );
}

/** PodDisruptionBudget strategy. */
export const pdbStrategy: Strategy = {
  type: R.poddisruptionbudgets,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate(obj) {
    const errs = validateObjectMeta(R.poddisruptionbudgets, obj);
    const spec = (obj as unknown as PodDisruptionBudget).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
      errs.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set');
    if (spec.minAvailable !== undefined && !intOrPercent(spec.minAvailable))
      errs.invalid('spec.minAvailable', spec.minAvailable, "must be an integer or percentage (e.g '5%')");
    if (spec.maxUnavailable !== undefined && !intOrPercent(spec.maxUnavailable))
      errs.invalid('spec.maxUnavailable', spec.maxUnavailable, "must be an integer or percentage (e.g '5%')");
    validateLabels(errs, spec.selector?.matchLabels, 'spec.selector.matchLabels');
    if (
      spec.unhealthyPodEvictionPolicy &&
      !['IfHealthyBudget', 'AlwaysAllow'].includes(spec.unhealthyPodEvictionPolicy)
    )
      errs.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, [
        'AlwaysAllow',
        'IfHealthyBudget',
      ]);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Min Available', 'string', 'The minimum number of pods that must be available simultaneously.'),
      col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable simultaneously.'),
      col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const p = obj as unknown as PodDisruptionBudget;
      return [
        obj.metadata.name,
        p.spec?.minAvailable !== undefined ? String(p.spec.minAvailable) : 'N/A',
        p.spec?.maxUnavailable !== undefined ? String(p.spec.maxUnavailable) : 'N/A',
        p.status?.disruptionsAllowed ?? 0,
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};

// -------------------------------------------------------------------------------------------------
// networking.k8s.io

function ingressHosts(i: Ingress): string {
  const hosts = (i.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => !!h);
  if (!hosts.length) return '*';
  return hosts.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...` : hosts.join(',');
}

/** Ingress strategy. */
export const ingressStrategy: Strategy = {
  type: R.ingresses,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  applyDefaults(obj) {
    for (const r of (obj as unknown as Ingress).spec?.rules ?? [])
      for (const p of r.http?.paths ?? []) if (isObject(p)) p.pathType ??= 'ImplementationSpecific';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.ingresses, obj);
    const spec = (obj as unknown as Ingress).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    if (!spec.defaultBackend && !(spec.rules ?? []).length)
      errs.invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified');
    (spec.rules ?? []).forEach((r, i) => {
      if (r.host) {
        const h = r.host.startsWith('*.') ? r.host.slice(2) : r.host;
        for (const m of dns1123Subdomain(h)) errs.invalid(`spec.rules[${i}].host`, r.host, m);
      }
      (r.http?.paths ?? []).forEach((p, j) => {
        const f = `spec.rules[${i}].http.paths[${j}]`;
        if (!['Exact', 'Prefix', 'ImplementationSpecific'].includes(p.pathType))
          errs.notSupported(`${f}.pathType`, p.pathType, ['Exact', 'ImplementationSpecific', 'Prefix']);
        if (p.pathType !== 'ImplementationSpecific' && !(p.path ?? '').startsWith('/'))
          errs.invalid(`${f}.path`, p.path ?? '', 'must be an absolute path');
        const b = p.backend;
        if (!b?.service && !b?.resource)
          errs.invalid(`${f}.backend`, b ?? {}, 'one backend must be specified');
        if (b?.service && !b.service.name) errs.required(`${f}.backend.service.name`);
        if (b?.service && !b.service.port?.name && !b.service.port?.number)
          errs.required(`${f}.backend.service.port`, 'port name or number is required');
      });
    });
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Class', 'string', 'The name of the IngressClass resource.'),
      col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
      col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'string', 'Ports of TLS configurations that open'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const i = obj as unknown as Ingress;
      const addr = (i.status?.loadBalancer?.ingress ?? [])
        .map((x) => x.ip || x.hostname || '')
        .filter(Boolean);
      return [
        obj.metadata.name,
        i.spec?.ingressClassName ?? '<none>',
        ingressHosts(i),
        addr.join(','),
        i.spec?.tls?.length ? '80, 443' : '80',
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};

/** IngressClass strategy. */
export const ingressClassStrategy: Strategy = {
  type: R.ingressclasses,
  hasStatus: false,
  validate(obj) {
    const errs = validateObjectMeta(R.ingressclasses, obj);
    const spec = (obj as unknown as IngressClass).spec;
    if (!spec?.controller) errs.required('spec.controller');
    return errs.causes;
  },
  validateUpdate: (obj, old) => {
    const errs = new Errors();
    immutable(
      errs,
      'spec.controller',
      (obj as unknown as IngressClass).spec?.controller,
      (old as unknown as IngressClass).spec?.controller,
    );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Controller', 'string', 'Controller that is responsible for handling this class'),
      col('Parameters', 'string', 'A reference to a resource with additional parameters'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const c = obj as unknown as IngressClass;
      const p = c.spec?.parameters;
      return [
        obj.metadata.name,
        c.spec?.controller ?? '',
        p ? `${p.kind}/${p.name}` : '<none>',
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};

/** NetworkPolicy strategy (stored, not enforced). */
export const networkPolicyStrategy: Strategy = {
  type: R.networkpolicies,
  hasStatus: false,
  applyDefaults(obj) {
    const spec = (obj as unknown as NetworkPolicy).spec;
    if (!isObject(spec)) return;
    spec.podSelector ??= {};
    if (!spec.policyTypes?.length)
      spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
    for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? [])])
      for (const p of r.ports ?? []) if (isObject(p)) p.protocol ??= 'TCP';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.networkpolicies, obj);
    const spec = (obj as unknown as NetworkPolicy).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    validateLabels(errs, spec.podSelector?.matchLabels, 'spec.podSelector.matchLabels');
    for (const [i, t] of (spec.policyTypes ?? []).entries())
      if (!['Ingress', 'Egress'].includes(t))
        errs.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      selectorString((obj as unknown as NetworkPolicy).spec?.podSelector) || '<none>',
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};

// -------------------------------------------------------------------------------------------------
// storage.k8s.io, scheduling.k8s.io

/** StorageClass strategy; the default class shows "(default)" after its name. */
export const storageClassStrategy: Strategy = {
  type: R.storageclasses,
  hasStatus: false,
  topLevelFields: [
    'provisioner',
    'parameters',
    'reclaimPolicy',
    'mountOptions',
    'allowVolumeExpansion',
    'volumeBindingMode',
    'allowedTopologies',
  ],
  applyDefaults(obj) {
    const sc = obj as unknown as StorageClass;
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.storageclasses, obj);
    const sc = obj as unknown as StorageClass;
    if (!sc.provisioner) errs.required('provisioner');
    if (sc.reclaimPolicy && !['Delete', 'Retain'].includes(sc.reclaimPolicy))
      errs.notSupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']);
    if (sc.volumeBindingMode && !['Immediate', 'WaitForFirstConsumer'].includes(sc.volumeBindingMode))
      errs.notSupported('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    for (const f of ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'])
      immutable(errs, f, (obj as Record<string, unknown>)[f], (old as Record<string, unknown>)[f]);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Provisioner', 'string', 'Indicates the type of the provisioner.'),
      col(
        'ReclaimPolicy',
        'string',
        'Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy.',
      ),
      col(
        'VolumeBindingMode',
        'string',
        'VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.',
      ),
      col(
        'AllowVolumeExpansion',
        'string',
        'AllowVolumeExpansion shows whether the storage class allow volume expand.',
      ),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const sc = obj as unknown as StorageClass;
      const isDefault =
        ['true'].includes(obj.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] ?? '') ||
        obj.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
      return [
        isDefault ? `${obj.metadata.name} (default)` : obj.metadata.name,
        sc.provisioner ?? '',
        sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate',
        String(sc.allowVolumeExpansion ?? false),
        age(obj.metadata.creationTimestamp, now),
      ];
    },
  },
};

/** PriorityClass strategy. */
export const priorityClassStrategy: Strategy = {
  type: R.priorityclasses,
  hasStatus: false,
  topLevelFields: ['value', 'globalDefault', 'description', 'preemptionPolicy'],
  applyDefaults(obj) {
    (obj as unknown as PriorityClass).preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate(obj) {
    const errs = validateObjectMeta(R.priorityclasses, obj);
    const pc = obj as unknown as PriorityClass;
    if (typeof pc.value !== 'number' || !Number.isInteger(pc.value)) errs.required('value');
    else if (pc.value > 1_000_000_000 && !(obj.metadata.name ?? '').startsWith('system-'))
      errs.forbidden('value', 'maximum allowed value of a user defined priority is 1000000000');
    if (
      (obj.metadata.name ?? '').startsWith('system-') &&
      !['system-cluster-critical', 'system-node-critical'].includes(obj.metadata.name ?? '')
    )
      errs.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved");
    if (pc.preemptionPolicy && !['PreemptLowerPriority', 'Never'].includes(pc.preemptionPolicy))
      errs.notSupported('preemptionPolicy', pc.preemptionPolicy, ['Never', 'PreemptLowerPriority']);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(errs, 'value', (obj as { value?: unknown }).value, (old as { value?: unknown }).value);
    immutable(
      errs,
      'preemptionPolicy',
      (obj as { preemptionPolicy?: unknown }).preemptionPolicy,
      (old as { preemptionPolicy?: unknown }).preemptionPolicy,
    );
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Value', 'integer', 'The value of this priority class.'),
      col(
        'Global-Default',
        'boolean',
        'globalDefault specifies whether this PriorityClass should be considered as the default priority.',
      ),
      AGE_COLUMN,
      col(
        'PreemptionPolicy',
        'string',
        'PreemptionPolicy is the Policy for preempting pods with lower priority.',
      ),
    ],
    cells(obj, now) {
      const pc = obj as unknown as PriorityClass;
      return [
        obj.metadata.name,
        pc.value,
        pc.globalDefault ?? false,
        age(obj.metadata.creationTimestamp, now),
        pc.preemptionPolicy ?? '',
      ];
    },
  },
};

// -------------------------------------------------------------------------------------------------
// discovery.k8s.io, events.k8s.io

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

const RENAMES: [core: string, v1: string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function renameFields(obj: KubeObject, apiVersion: string, from: 0 | 1): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = structuredClone(obj);
  const out: Record<string, unknown> = { apiVersion, kind: 'Event', ...rest };
  for (const pair of RENAMES) {
    const [src, dst] = from === 0 ? pair : [pair[1], pair[0]];
    if (src in out) {
      out[dst] = out[src];
      delete out[src];
    }
  }
  return out as KubeObject;
}

/** core/v1 Event → events.k8s.io/v1 (upstream's conversion: message → note, involvedObject → regarding …). */
export function coreEventToV1(obj: KubeObject): KubeObject {
  return renameFields(obj, 'events.k8s.io/v1', 0);
}

/** events.k8s.io/v1 Event → core/v1 (the storage version). */
export function v1EventToCore(obj: KubeObject): KubeObject {
  return renameFields(obj, 'v1', 1);
}

/** events.k8s.io/v1 Event strategy, with the field selectors kubectl events uses. */
export const eventV1Strategy: Strategy = {
  type: R.eventsV1,
  hasStatus: false,
  topLevelFields: [
    'eventTime',
    'series',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
    'regarding',
    'related',
    'note',
    'type',
    'deprecatedSource',
    'deprecatedFirstTimestamp',
    'deprecatedLastTimestamp',
    'deprecatedCount',
  ],
  // Registered on the storage type: the getter sees core/v1-shaped objects.
  fields: (obj) => {
    const e = (obj.apiVersion === 'v1' || 'involvedObject' in obj
      ? coreEventToV1(obj)
      : obj) as unknown as EventV1;
    const r = e.regarding ?? {};
    return {
      'regarding.kind': r.kind ?? '',
      'regarding.namespace': r.namespace ?? '',
      'regarding.name': r.name ?? '',
      'regarding.uid': r.uid ?? '',
      'regarding.apiVersion': r.apiVersion ?? '',
      'regarding.resourceVersion': r.resourceVersion ?? '',
      'regarding.fieldPath': r.fieldPath ?? '',
      reason: e.reason ?? '',
      reportingController: e.reportingController ?? '',
      type: e.type ?? '',
    };
  },
  validate(obj) {
    const errs = validateObjectMeta(R.eventsV1, obj);
    const e = obj as unknown as EventV1;
    if (!e.eventTime) errs.required('eventTime');
    if (e.type && !['Normal', 'Warning'].includes(e.type))
      errs.notSupported('type', e.type, ['Normal', 'Warning']);
    if (!e.reportingController) errs.required('reportingController');
    if (!e.reportingInstance) errs.required('reportingInstance');
    if (!e.action) errs.required('action');
    if (!e.reason) errs.required('reason');
    if ((e.note ?? '').length > 1024) errs.tooLong('note', 1024);
    return errs.causes;
  },
  table: {
    columns: [
      col('Last Seen', 'string', 'Time since the last occurrence of the event'),
      col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'string', 'Why the action was taken.'),
      col('Object', 'string', 'The object this Event is about.'),
      col('Message', 'string', 'A human-readable description of the status of this operation.'),
    ],
    cells(obj, now) {
      const e = obj as unknown as EventV1;
      const last =
        e.series?.lastObservedTime ??
        e.deprecatedLastTimestamp ??
        e.eventTime ??
        obj.metadata.creationTimestamp;
      return [
        age(last, now),
        e.type ?? '',
        e.reason ?? '',
        `${(e.regarding?.kind ?? '').toLowerCase()}/${e.regarding?.name ?? ''}`,
        e.note ?? '',
      ];
    },
  },
};

/** Strategies of this file. */
export const MISC_STRATEGIES: Strategy[] = [
  hpaV2Strategy,
  hpaV1Strategy,
  pdbStrategy,
  ingressStrategy,
  ingressClassStrategy,
  networkPolicyStrategy,
  storageClassStrategy,
  priorityClassStrategy,
  endpointSliceStrategy,
  eventV1Strategy,
];
