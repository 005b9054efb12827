import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1';
import type { KubeClient } from '../../common/client/client';
import { isConflict, isNotFound } from '../../common/client/errors';
import type { Informer } from '../../common/client/informer';
import { R } from '../../common/resources';
import type { KubeObject } from '../../common/types';
import { Controller, type ControllerOptions, type ReconcileResult, type SharedInformers } from '../client';
import {
  SA_NAME_ANNOTATION,
  SA_UID_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  legacyClaims,
  type TokenSigner,
} from '../client/serviceaccount-token';

type SA = ServiceAccount & KubeObject;
type Sec = Secret & KubeObject;

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * kube-controller-manager's tokens controller (pkg/controller/serviceaccount/tokens_controller.go),
 * for the legacy token Secrets users ask for: a Secret of type kubernetes.io/service-account-token
 * annotated with `kubernetes.io/service-account.name` gets `data.token` (a non-expiring JWT of
 * issuer `kubernetes/serviceaccount`), `data['ca.crt']` and `data.namespace`, and the
 * service account's uid annotation. Such a Secret whose ServiceAccount is gone (or was re-created
 * with another uid) is deleted, as upstream does; when a ServiceAccount is deleted its token
 * Secrets go too. Nothing is created for accounts that do not ask (no auto-generated Secrets, as
 * since Kubernetes 1.24). Queue keys are the Secrets' `namespace/name`.
 */
export class ServiceAccountTokensController extends Controller {
  private readonly secretInf: Informer<Sec>;
  private readonly saInf: Informer<SA>;

  constructor(
    private readonly client: KubeClient,
    informers: SharedInformers,
    private readonly signer: TokenSigner,
    private readonly caPem: string,
    opts: ControllerOptions = {},
  ) {
    super('serviceaccount-tokens-controller', opts);
    this.secretInf = informers.informerFor<Sec>(R.secrets);
    this.saInf = informers.informerFor<SA>(R.serviceaccounts);
    const onSecret = (s: Sec) => {
      if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE) this.enqueue(s);
    };
    this.secretInf.addHandler({ add: onSecret, update: onSecret });
    const onSa = (sa: SA) => {
      for (const s of this.secretInf.list())
        if (
          s.type === SERVICE_ACCOUNT_TOKEN_TYPE &&
          s.metadata.namespace === sa.metadata.namespace &&
          s.metadata.annotations?.[SA_NAME_ANNOTATION] === sa.metadata.name
        )
          this.enqueue(s);
    };
    this.saInf.addHandler({ add: onSa, delete: onSa });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const secret = this.secretInf.get(key);
    if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata.deletionTimestamp) return;
    const ns = secret.metadata.namespace!;
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
    if (!saName) return; // validation requires it; nothing to fill in without it
    const wantUid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
    // A cache miss is confirmed with a live read (upstream's fetchOnCacheMiss), so a Secret
    // created right after its account is not deleted for the informer's lag.
    let sa: SA | undefined = this.saInf.get(`${ns}/${saName}`);
    if (!sa)
      sa = await this.client.get<SA>(R.serviceaccounts, saName, ns).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    if (!sa || (wantUid && sa.metadata.uid !== wantUid)) {
      await this.client
        .delete(R.secrets, secret.metadata.name!, ns, { preconditions: { uid: secret.metadata.uid } })
        .catch((err: unknown) => {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        });
      return;
    }
    const data = secret.data ?? {};
    const complete =
      !!data.token &&
      data['ca.crt'] === b64(this.caPem) &&
      data.namespace === b64(ns) &&
      wantUid === sa.metadata.uid;
    if (complete) return;
    const token =
      data.token ??
      b64(this.signer.sign(legacyClaims(ns, { name: saName, uid: sa.metadata.uid! }, secret.metadata.name!)));
    const next: Sec = {
      ...secret,
      metadata: {
        ...secret.metadata,
        annotations: { ...secret.metadata.annotations, [SA_UID_ANNOTATION]: sa.metadata.uid! },
      },
      data: { ...data, token, 'ca.crt': b64(this.caPem), namespace: b64(ns) },
    };
    try {
      await this.client.update<Sec>(R.secrets, next);
    } catch (err) {
      // A newer version (its update event requeues) or deleted meanwhile.
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }
}
