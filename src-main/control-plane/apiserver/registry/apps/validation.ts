/**
 * Validation shared by the apps/v1 kinds: the selector must select the pod template
 * (ValidatePodTemplateSpecForReplicaSet / ForStatefulSet …), counts are non-negative, the
 * selector is immutable.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { LabelSelector, StatusCause } from 'kubernetes-types/meta/v1';
import type { ResourceType } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { isObject, selectorMatches, validateObjectMeta } from '../strategy';
import { Errors, immutable, validateLabels } from '../validation';
import { validatePodSpec } from '../core/pod-spec';

type Spec = { selector?: LabelSelector; template?: PodTemplateSpec; replicas?: number };

/**
 * Selector + template checks shared by the apps kinds. `restartPolicyOptional`: a missing
 * restartPolicy is not reported (Deployments and ReplicaSets only check a given one).
 */
export function validateSelectorAndTemplate(
  errs: Errors,
  spec: Spec,
  opts: { restartPolicies: string[]; restartPolicyOptional?: boolean },
): void {
  const sel = spec.selector;
  if (
    !isObject(sel) ||
    (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)
  ) {
    errs.required('spec.selector');
    if (isObject(sel)) errs.invalid('spec.selector', sel, 'empty selector is invalid for deployment');
  } else validateLabels(errs, sel.matchLabels, 'spec.selector.matchLabels');
  const tmpl = spec.template;
  if (!isObject(tmpl)) {
    errs.required('spec.template');
    return;
  }
  validateLabels(errs, tmpl.metadata?.labels, 'spec.template.metadata.labels');
  if (isObject(sel) && !selectorMatches(sel, tmpl.metadata?.labels))
    errs.invalid(
      'spec.template.metadata.labels',
      tmpl.metadata?.labels ?? {},
      '`selector` does not match template `labels`',
    );
  validatePodSpec(errs, tmpl.spec, 'spec.template.spec');
  const rp = tmpl.spec?.restartPolicy;
  if (isObject(tmpl.spec) && !rp) {
    if (!opts.restartPolicyOptional)
      errs.required(
        'spec.template.spec.restartPolicy',
        `valid values: ${opts.restartPolicies.map((p) => `"${p}"`).join(', ')}`,
      );
  } else if (rp && !opts.restartPolicies.includes(rp))
    errs.notSupported('spec.template.spec.restartPolicy', rp, opts.restartPolicies);
}

/** A count that must be a non-negative integer when given. */
export function nonNegative(errs: Errors, field: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
    errs.invalid(field, v, 'must be greater than or equal to 0');
}

/** Deployment and ReplicaSet specs: metadata, spec, replicas, then selector and template. */
export function validateReplicatedSpec(t: ResourceType, obj: KubeObject): Errors {
  const errs = validateObjectMeta(t, obj);
  const spec = (obj as { spec?: Spec }).spec;
  if (!isObject(spec)) {
    errs.required('spec');
    return errs;
  }
  nonNegative(errs, 'spec.replicas', spec.replicas);
  validateSelectorAndTemplate(errs, spec, { restartPolicies: ['Always'], restartPolicyOptional: true });
  return errs;
}

/** The selector of a workload never changes (Deployments, ReplicaSets, DaemonSets). */
export function validateSelectorUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const errs = new Errors();
  type WithSelector = { spec?: { selector?: unknown } };
  immutable(
    errs,
    'spec.selector',
    (obj as WithSelector).spec?.selector,
    (old as WithSelector).spec?.selector,
  );
  return errs.causes;
}
