import { createServer, type RequestListener, type Server } from 'node:http';

/** What a one-form endpoint allows a connection; every request it answers is a few hundred bytes each way. */
export interface EndpointServerLimits {
  /** Time to receive the request headers (slow-header clients are answered 408 and cut off). */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (a trickled body is answered 408 and cut off). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above (its default, 30 s, would let them run late). */
  checkIntervalMs: number;
  /** Open connections at once; further ones are closed as they arrive. */
  maxConnections: number;
  /** Bytes of request line and headers (larger: 431). */
  maxHeaderBytes: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<EndpointServerLimits> = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxConnections: 256,
  maxHeaderBytes: 8_192,
};

/**
 * A node:http server for the unsubscribe endpoint with limits fit for it (the defaults of node:http allow five
 * minutes per request and 16 KB of headers). `limits` overrides some of DEFAULT_SERVER_LIMITS (tests use small ones).
 */
export function createEndpointServer(
  listener: RequestListener,
  limits: Partial<EndpointServerLimits> = {},
): Server {
  const chosen = { ...DEFAULT_SERVER_LIMITS, ...limits };
  const server = createServer(
    {
      // headersTimeout must not exceed requestTimeout (node:http refuses it).
      headersTimeout: Math.min(chosen.headersTimeoutMs, chosen.requestTimeoutMs),
      requestTimeout: chosen.requestTimeoutMs,
      keepAliveTimeout: chosen.keepAliveTimeoutMs,
      connectionsCheckingInterval: chosen.checkIntervalMs,
      maxHeaderSize: chosen.maxHeaderBytes,
    },
    listener,
  );
  server.maxConnections = chosen.maxConnections;
  // An idle socket (connected, sending nothing) is closed too, not only a slow request.
  server.setTimeout(chosen.requestTimeoutMs);
  return server;
}
