/**
 * The unsubscribe endpoint, for `dn-mailer serve`, any Node server or a Lambda behind API Gateway:
 *
 *   const tokens = createUnsubscribeTokens({ formats: [createAesTokenFormat(parseTokenKey(key))], maxAgeDays: 30 });
 *   const handler = createUnsubscribeHandler({ contacts, audit, tokens, maxAgeDays: 30, brandName, clock });
 *   createEndpointServer(toNodeListener(handler, { trustProxy: 1 })).listen(8787, '127.0.0.1');
 *   export const lambda = toLambdaHandler(handler);
 */

export type { TokenFormat } from '../../core/unsubscribe/token-format.js';
export { createAesTokenFormat, parseTokenKey } from '../../core/unsubscribe/unsubscribe-token.js';
export {
  createUnsubscribeTokens,
  type UnsubscribeTokens,
} from '../../core/unsubscribe/unsubscribe-tokens.js';
export { normalizeIp, resolveClientIp } from './client-ip.js';
export type { ApiGatewayResult, ApiGatewayV1Event, ApiGatewayV2Event } from './lambda.js';
export { toLambdaHandler } from './lambda.js';
export { type NodeListenerOptions, toNodeListener } from './node-listener.js';
export { createEndpointServer, DEFAULT_SERVER_LIMITS, type EndpointServerLimits } from './node-server.js';
export {
  BUSY_RETRY_AFTER_SECONDS,
  createUnsubscribeHandler,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PER_MINUTE,
  type HttpRequest,
  type HttpResponse,
  SECURITY_HEADERS,
  type UnsubscribeHandler,
  type UnsubscribeHandlerDeps,
} from './unsubscribe-handler.js';
