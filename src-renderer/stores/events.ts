/** Live cache of core/v1 Events (all namespaces). */
import { R } from '@common/resources';
import type { Event } from '../models/kube';
import { defineResourceStore } from './resource-store';

export const useEventsStore = defineResourceStore<Event>('events', R.events);
