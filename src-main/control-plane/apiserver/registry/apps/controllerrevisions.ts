/** apps/v1 ControllerRevisions (StatefulSet and DaemonSet history): immutable data, the Controller Table. */
import type { ControllerRevision } from 'kubernetes-types/apps/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';
import { Errors, immutable } from '../validation';
import { nonNegative } from './validation';

/** ControllerRevision strategy: data and revision are immutable. */
export const controllerRevisionStrategy: Strategy = {
  type: R.controllerrevisions,
  hasStatus: false,
  topLevelFields: ['data', 'revision'],
  validate(obj) {
    const errs = validateObjectMeta(R.controllerrevisions, obj);
    const cr = obj as unknown as ControllerRevision;
    if (cr.revision === undefined) errs.required('revision');
    else nonNegative(errs, 'revision', cr.revision);
    return errs.causes;
  },
  validateUpdate(obj, old) {
    const errs = new Errors();
    immutable(errs, 'data', (obj as { data?: unknown }).data, (old as { data?: unknown }).data);
    return errs.causes;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Controller', 'string', 'Controller of the object'),
      col('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const cr = obj as unknown as ControllerRevision;
      const owner = (obj.metadata.ownerReferences ?? []).find((o) => o.controller);
      const group = owner?.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
      const controller = owner
        ? `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`
        : '<none>';
      return [obj.metadata.name, controller, cr.revision ?? 0, age(obj.metadata.creationTimestamp, now)];
    },
  },
};
