/** Live caches of ResourceQuotas and LimitRanges (the Resources page's namespace budgets). */
import { R } from '@common/resources';
import type { KubeObject } from '../models/kube';
import type { LimitRange as LR, ResourceQuota as RQ } from 'kubernetes-types/core/v1';
import { defineResourceStore } from './resource-store';

export type ResourceQuota = RQ & KubeObject;
export type LimitRange = LR & KubeObject;

export const useResourceQuotasStore = defineResourceStore<ResourceQuota>('resourcequotas', R.resourcequotas);
export const useLimitRangesStore = defineResourceStore<LimitRange>('limitranges', R.limitranges);
