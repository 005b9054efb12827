/** networking.k8s.io/v1 IngressClasses: a required, immutable spec.controller and the IngressClass Table. */
import type { IngressClass } from 'kubernetes-types/networking/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';

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
