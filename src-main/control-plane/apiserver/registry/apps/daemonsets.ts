/**
 * apps/v1 DaemonSets (pkg/registry/apps/daemonset): update-strategy defaulting and validation,
 * the immutable selector and kubectl's DaemonSet Table.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import { R } from '../../../../common/resources';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  age,
  col,
  isObject,
  selectorString,
  validateObjectMeta,
  type Strategy,
} from '../strategy';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, containersAndImages, defaultTemplate } from '../core/pod-spec';
import { nonNegative, validateSelectorAndTemplate, validateSelectorUpdate } from './validation';

function intOrPercent(v: unknown): boolean {
  return (
    (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+%$/.test(v))
  );
}

/** DaemonSet strategy. */
export const daemonSetStrategy: Strategy = {
  type: R.daemonsets,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    };
  },
  applyDefaults(obj) {
    const spec = (obj as unknown as DaemonSet).spec;
    if (!isObject(spec)) return;
    spec.updateStrategy ??= { type: 'RollingUpdate' };
    spec.updateStrategy.type ??= 'RollingUpdate';
    if (spec.updateStrategy.type === 'RollingUpdate') {
      spec.updateStrategy.rollingUpdate ??= {};
      spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultTemplate(spec.template);
  },
  validate(obj) {
    const errs = validateObjectMeta(R.daemonsets, obj);
    const spec = (obj as unknown as DaemonSet).spec;
    if (!isObject(spec)) {
      errs.required('spec');
      return errs.causes;
    }
    nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
    nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
    const us = spec.updateStrategy;
    if (us?.type && !['RollingUpdate', 'OnDelete'].includes(us.type))
      errs.notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']);
    const ru = us?.rollingUpdate;
    if (ru) {
      if (!intOrPercent(ru.maxUnavailable))
        errs.invalid(
          'spec.updateStrategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable,
          "must be an integer or percentage (e.g '5%')",
        );
      if (!intOrPercent(ru.maxSurge))
        errs.invalid(
          'spec.updateStrategy.rollingUpdate.maxSurge',
          ru.maxSurge,
          "must be an integer or percentage (e.g '5%')",
        );
      const zero = (v: unknown) => v === 0 || v === '0%';
      if (zero(ru.maxUnavailable) && zero(ru.maxSurge))
        errs.invalid(
          'spec.updateStrategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable,
          'may not be 0 when `maxSurge` is 0',
        );
    }
    validateSelectorAndTemplate(errs, spec, { restartPolicies: ['Always'] });
    return errs.causes;
  },
  validateUpdate: validateSelectorUpdate,
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Desired',
        'integer',
        'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).',
      ),
      col(
        'Current',
        'integer',
        'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      ),
      col(
        'Ready',
        'integer',
        'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
      ),
      col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
      col(
        'Available',
        'integer',
        'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
      ),
      col(
        'Node Selector',
        'string',
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
      ),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      col('Selector', 'string', 'A label query over pods that are managed by the daemon set.', {
        wide: true,
      }),
    ],
    cells(obj, now) {
      const d = obj as unknown as DaemonSet;
      const st = d.status;
      const ns = d.spec?.template?.spec?.nodeSelector ?? {};
      const nsKeys = Object.keys(ns).sort();
      const [c, i] = containersAndImages(d.spec?.template);
      return [
        obj.metadata.name,
        st?.desiredNumberScheduled ?? 0,
        st?.currentNumberScheduled ?? 0,
        st?.numberReady ?? 0,
        st?.updatedNumberScheduled ?? 0,
        st?.numberAvailable ?? 0,
        nsKeys.length ? nsKeys.map((k) => `${k}=${ns[k]}`).join(',') : '<none>',
        age(obj.metadata.creationTimestamp, now),
        c,
        i,
        selectorString(d.spec?.selector),
      ];
    },
  },
};
