/** core/v1 ReplicationControllers (pkg/registry/core/replicationcontroller): defaulting, validation, Table, /scale; imports only registry helpers. */
import type { ReplicationController } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { isObject, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, validateLabels } from '../validation';
import { nonNegative } from '../apps/validation';
import { defaultTemplate, replicatedTable, validatePodSpec } from './pod-spec';

/** A map selector in its string form (`a=b,c=d`), keys sorted as labels.SelectorFromSet prints them. */
function mapSelectorString(sel: Record<string, string> | undefined): string {
  return Object.keys(sel ?? {})
    .sort()
    .map((k) => `${k}=${sel![k]}`)
    .join(',');
}

/** ValidateReplicationController: metadata, replicas, a non-empty selector that selects the template. */
function validate(obj: KubeObject): Errors {
  const errs = validateObjectMeta(R.replicationcontrollers, obj);
  const spec = (obj as unknown as ReplicationController).spec;
  if (!isObject(spec)) {
    errs.required('spec');
    return errs;
  }
  nonNegative(errs, 'spec.replicas', spec.replicas);
  const sel = spec.selector;
  if (!isObject(sel) || !Object.keys(sel).length) errs.required('spec.selector');
  else validateLabels(errs, sel, 'spec.selector');
  const tmpl = spec.template;
  if (!isObject(tmpl)) {
    errs.required('spec.template');
    return errs;
  }
  const labels = tmpl.metadata?.labels ?? {};
  validateLabels(errs, tmpl.metadata?.labels, 'spec.template.metadata.labels');
  if (isObject(sel) && Object.entries(sel).some(([k, v]) => labels[k] !== v))
    errs.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
  validatePodSpec(errs, tmpl.spec, 'spec.template.spec');
  const rp = tmpl.spec?.restartPolicy;
  if (rp && rp !== 'Always') errs.notSupported('spec.template.spec.restartPolicy', rp, ['Always']);
  return errs;
}

/** ReplicationController strategy. */
export const replicationControllerStrategy: Strategy = {
  type: R.replicationcontrollers,
  hasStatus: true,
  fields: (obj) => ({
    'status.replicas': String((obj as unknown as ReplicationController).status?.replicas ?? 0),
  }),
  scale: true,
  scaleView: {
    read(obj) {
      const rc = obj as unknown as ReplicationController;
      return {
        replicas: rc.spec?.replicas ?? 0,
        statusReplicas: rc.status?.replicas ?? 0,
        selector: mapSelectorString(rc.spec?.selector),
      };
    },
    setReplicas(obj, replicas) {
      const rc = obj as unknown as ReplicationController;
      rc.spec = { ...rc.spec, replicas };
    },
  },
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  // SetDefaults_ReplicationController: the selector (and, when missing, the labels) come from the template.
  applyDefaults(obj) {
    const rc = obj as unknown as ReplicationController;
    const spec = rc.spec;
    if (!isObject(spec)) return;
    const labels = isObject(spec.template) ? spec.template.metadata?.labels : undefined;
    if (labels && Object.keys(labels).length) {
      if (!isObject(spec.selector) || !Object.keys(spec.selector).length) spec.selector = { ...labels };
      if (!Object.keys(obj.metadata.labels ?? {}).length) obj.metadata.labels = { ...labels };
    }
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
  },
  // The selector may change on update (unlike apps/v1), but must still select the template.
  validate: (obj) => validate(obj).causes,
  table: replicatedTable('replication controller', (obj) =>
    mapSelectorString((obj as unknown as ReplicationController).spec?.selector),
  ),
};
