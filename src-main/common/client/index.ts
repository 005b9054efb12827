// The one Kubernetes client (REST, watch, list+watch informers, Status errors), shared by the control plane and the renderer; pure TS, no Node built-ins.
export * from './client';
export * from './errors';
export * from './informer';
export * from './transport';
