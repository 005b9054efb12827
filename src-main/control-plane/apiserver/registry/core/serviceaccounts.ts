/** core/v1 ServiceAccounts (pkg/registry/core/serviceaccount): metadata validation, the Secrets Table and the token subresource. */
import type { ServiceAccount } from 'kubernetes-types/core/v1';
import { R } from '../../../../common/resources';
import { AGE_COLUMN, NAME_COLUMN, age, col, validateObjectMeta, type Strategy } from '../strategy';
import { tokenRequestAction } from './serviceaccount-token';

/** ServiceAccount strategy. */
export const serviceAccountStrategy: Strategy = {
  type: R.serviceaccounts,
  hasStatus: false,
  topLevelFields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  validate: (obj) => validateObjectMeta(R.serviceaccounts, obj).causes,
  actions: { token: tokenRequestAction() },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Secrets',
        'string',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      (obj as unknown as ServiceAccount).secrets?.length ?? 0,
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
