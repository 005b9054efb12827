/** One API request resolved to a resource: what every handler (REST verbs, logs, streams, metrics) receives. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../../common/resources';

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** nodes/proxy: the decoded path segments after `/proxy`. */
  proxyPath?: string[];
}
