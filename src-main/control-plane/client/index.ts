// Client machinery (client-go's role): any control-plane component may import it; it imports only common/.
export {
  Controller,
  SharedInformers,
  controllerRefOf,
  type ControllerOptions,
  type ReconcileResult,
} from './controller';
export { EventRecorder } from './event-recorder';
export { HttpsTransport, type HttpsTransportOptions } from './https-transport';
export { LeaseRenewer, microTime, type LeaseRenewerOptions } from './lease';
export { WorkQueue, type WorkQueueOptions } from './workqueue';
