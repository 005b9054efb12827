// The wire shape of the dashboard server's session port-forwards (`/dashboard/v1/port-forwards`),
// shared by the server (src-main/cli/clusters/port-forwards.ts) and the dashboard; pure types.

/** What to forward: a pod's container port or a Service's port, in one cluster. */
export interface PortForwardTarget {
  /** '' = the local Skiff cluster, else a kubeconfig context. */
  cluster: string;
  namespace: string;
  kind: 'pod' | 'service';
  name: string;
  port: number | string;
}

/** One running forward, as the server lists it. */
export interface PortForwardView extends PortForwardTarget {
  id: string;
  /** The pod and container port actually forwarded to (a Service resolves to one pod). */
  pod: string;
  podPort: number;
  localPort: number;
  url: string;
  connections: number;
  activeConnections: number;
  bytesIn: number;
  bytesOut: number;
  lastError?: string;
  startedAt: string;
}
