// Runs inside a pod (image built by test/images/build-node-client.sh): @kubernetes/client-node with
// its in-cluster config — the mounted service-account token and ca.crt, KUBERNETES_SERVICE_HOST —
// lists the pods of its own namespace. Prints `PODS a,b,…` or `ERROR <HTTP code>` (exit 2).
import fs from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromCluster();
  console.log(`SERVER ${kc.getCurrentCluster()?.server ?? ''}`);
  const namespace = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  try {
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
    console.log(`PODS ${list.items.map((p) => p.metadata?.name ?? '').join(',')}`);
  } catch (err) {
    // An ApiException: the HTTP code, and the body (a Status, as JSON text).
    const e = err as { code?: number; body?: unknown; message?: string };
    let message = e.message ?? '';
    if (typeof e.body === 'string') {
      try {
        message = String((JSON.parse(e.body) as { message?: unknown }).message ?? e.body);
      } catch {
        message = e.body;
      }
    }
    console.log(`ERROR ${e.code ?? 'none'} ${message}`);
    process.exit(2);
  }
}

void main();
