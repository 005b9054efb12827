/**
 * POST serviceaccounts/{name}/token: the TokenRequest subresource (upstream
 * pkg/registry/core/serviceaccount/storage/token.go with ValidateTokenRequest). Issues a bound,
 * expiring, audience-scoped JWT for a ServiceAccount, optionally bound to a Pod or Secret that
 * must exist (and match the uid given); nothing is stored. `kubectl create token` and the
 * kubelet's projected service-account volumes ask here.
 */
import type { StatusCause } from 'kubernetes-types/meta/v1';
import { rfc3339 } from '../../../../common/clock';
import { R } from '../../../../common/resources';
import type { KubeObject } from '../../../../common/types';
import { DEFAULT_ISSUER, boundClaims, type BoundRef } from '../../../client/serviceaccount-token';
import { StatusError, badRequest, invalid, pathNotFound } from '../../status';
import { isObject, type SubresourceAction } from '../strategy';

/** Default and minimum lifetimes (token.go, validation.go). */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

function cause(field: string, message: string, reason = 'FieldValueInvalid'): StatusCause {
  return { reason, field, message };
}

/** The TokenRequest action; audiences default to the issuer (kube-apiserver's --api-audiences default). */
export function tokenRequestAction(opts: { issuer?: string; audiences?: string[] } = {}): SubresourceAction {
  const issuer = opts.issuer ?? DEFAULT_ISSUER;
  const apiAudiences = opts.audiences?.length ? opts.audiences : [issuer];
  return {
    method: 'POST',
    ownKind: true,
    async run(body, ctx) {
      const signer = ctx.tokenSigner;
      if (!signer) throw pathNotFound();
      if (!isObject(body)) throw badRequest('the request body must be a TokenRequest object');
      if (body.kind !== undefined && body.kind !== 'TokenRequest')
        throw badRequest(
          `the kind in the data (${String(body.kind)}) does not match the expected kind (TokenRequest)`,
        );
      if (body.apiVersion !== undefined && body.apiVersion !== 'authentication.k8s.io/v1')
        throw badRequest(
          `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (authentication.k8s.io/v1)`,
        );
      const meta = isObject(body.metadata) ? body.metadata : {};
      const spec = body.spec === undefined || body.spec === null ? {} : body.spec;
      if (!isObject(spec)) throw badRequest('spec must be an object');
      const causes: StatusCause[] = [];
      let audiences: string[] = apiAudiences;
      if (spec.audiences !== undefined && spec.audiences !== null) {
        if (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string'))
          causes.push(cause('spec.audiences', 'must be a list of strings'));
        else if (spec.audiences.length) audiences = spec.audiences as string[];
      }
      let expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
      if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
        const e = spec.expirationSeconds;
        if (typeof e !== 'number' || !Number.isInteger(e))
          causes.push(
            cause('spec.expirationSeconds', `Invalid value: ${JSON.stringify(e)}: must be an integer`),
          );
        else if (e < MIN_EXPIRATION_SECONDS)
          causes.push(
            cause(
              'spec.expirationSeconds',
              `Invalid value: ${e}: may not specify a duration less than 10 minutes`,
            ),
          );
        else if (e > MAX_EXPIRATION_SECONDS)
          causes.push(
            cause(
              'spec.expirationSeconds',
              `Invalid value: ${e}: may not specify a duration larger than 2^32 seconds`,
            ),
          );
        else expirationSeconds = e;
      }
      const refIn = spec.boundObjectRef;
      if (refIn !== undefined && refIn !== null && !isObject(refIn))
        causes.push(cause('spec.boundObjectRef', 'must be an object'));
      if (causes.length) throw invalid('TokenRequest', ctx.name, 'authentication.k8s.io', causes);

      const namespace = ctx.namespace!;
      // A 404 `serviceaccounts "x" not found` when the account does not exist.
      const sa = await ctx.storage.get(R.serviceaccounts, namespace, ctx.name);
      let pod: BoundRef | undefined;
      let secret: BoundRef | undefined;
      let boundObjectRef: Record<string, unknown> | undefined;
      if (isObject(refIn)) {
        const kind = typeof refIn.kind === 'string' ? refIn.kind : '';
        const apiVersion = typeof refIn.apiVersion === 'string' ? refIn.apiVersion : '';
        const name = typeof refIn.name === 'string' ? refIn.name : '';
        const uid = typeof refIn.uid === 'string' ? refIn.uid : '';
        const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
        let bound: KubeObject;
        if (group === '' && kind === 'Pod') {
          bound = await ctx.storage.get(R.pods, namespace, name);
          const podSa = (bound.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
          if (podSa !== ctx.name)
            throw badRequest(
              `cannot bind token for serviceaccount "${ctx.name}" to pod running with different serviceaccount name.`,
            );
          pod = { name, uid: bound.metadata.uid! };
        } else if (group === '' && kind === 'Secret') {
          bound = await ctx.storage.get(R.secrets, namespace, name);
          secret = { name, uid: bound.metadata.uid! };
        } else {
          // schema.GroupVersionKind.String(): `/v1, Kind=ConfigMap`, `apps/v1, Kind=Deployment`.
          const gvk = `${group ? apiVersion : `/${apiVersion}`}, Kind=${kind}`;
          throw badRequest(`cannot bind token to object of type ${gvk}`);
        }
        if (uid && uid !== bound.metadata.uid)
          throw new StatusError(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${kind}.${group} "${name}": the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`,
            { name, kind },
          );
        boundObjectRef = { kind, apiVersion: apiVersion || 'v1', name, uid: bound.metadata.uid };
      }
      const now = ctx.now();
      const token = signer.sign(
        boundClaims(
          {
            namespace,
            serviceAccount: { name: ctx.name, uid: sa.metadata.uid! },
            pod,
            secret,
            audiences,
            expirationSeconds,
            now,
          },
          issuer,
        ),
      );
      return {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {
          ...meta,
          name: ctx.name,
          namespace,
          creationTimestamp: null,
        } as unknown as KubeObject['metadata'],
        spec: {
          audiences,
          expirationSeconds,
          boundObjectRef: boundObjectRef ?? null,
        },
        status: {
          token,
          expirationTimestamp: rfc3339(Math.floor(now / 1000) * 1000 + expirationSeconds * 1000),
        },
      } as KubeObject;
    },
  };
}
