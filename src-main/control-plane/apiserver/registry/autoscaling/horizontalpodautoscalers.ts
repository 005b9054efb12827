/**
 * autoscaling HorizontalPodAutoscalers, v2 (the storage version) and v1, with upstream's
 * v1 <-> v2 conversion (what v1 cannot express travels in annotations): defaulting,
 * validation and kubectl's HPA Table.
 */
import type {
  HorizontalPodAutoscaler as HpaV2,
  MetricSpec,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { AGE_COLUMN, NAME_COLUMN, age, col, isObject, validateObjectMeta, type Strategy } from '../strategy';
import type { Errors } from '../validation';

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
