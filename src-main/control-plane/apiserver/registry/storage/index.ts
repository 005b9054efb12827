/** The storage.k8s.io API group's registry: StorageClasses. */
import type { Strategy } from '../strategy';
import { storageClassStrategy } from './storageclasses';

/** The strategies of storage.k8s.io/v1. */
export const STORAGE_STRATEGIES: Strategy[] = [storageClassStrategy];

export { DEFAULT_CLASS_ANNOTATION } from './storageclasses';
