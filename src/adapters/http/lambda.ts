import { normalizeIp } from './client-ip.js';
import type { UnsubscribeHandler } from './unsubscribe-handler.js';

type Headers = Record<string, string | undefined> | null | undefined;

/** API Gateway REST API (payload format 1.0), only the fields the handler reads. */
export interface ApiGatewayV1Event {
  version?: '1.0';
  httpMethod: string;
  path: string;
  headers?: Headers;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { identity?: { sourceIp?: string } };
}

/** API Gateway HTTP API / Lambda function URL (payload format 2.0), only the fields the handler reads. */
export interface ApiGatewayV2Event {
  version: '2.0';
  rawPath: string;
  rawQueryString?: string;
  headers?: Headers;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string; sourceIp: string } };
}

export interface ApiGatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/**
 * Adapts the handler to an API Gateway Lambda (REST v1 and HTTP v2 events; base64 bodies decoded). The client IP
 * is API Gateway's `sourceIp` (the address that connected to it), never X-Forwarded-For, which a client can write.
 */
export function toLambdaHandler(
  handler: UnsubscribeHandler,
): (event: ApiGatewayV1Event | ApiGatewayV2Event) => Promise<ApiGatewayResult> {
  return async (event) => {
    const v2 = isV2(event);
    const raw = event.body ?? '';
    const sourceIp =
      (v2 ? event.requestContext.http.sourceIp : event.requestContext?.identity?.sourceIp) ?? '';
    const response = await handler({
      method: v2 ? event.requestContext.http.method : event.httpMethod,
      url: v2 ? withQuery(event.rawPath, event.rawQueryString ?? '') : v1Url(event),
      headers: { ...(event.headers ?? {}) },
      body: event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw,
      ip: normalizeIp(sourceIp) ?? sourceIp,
    });
    return {
      statusCode: response.status,
      headers: response.headers,
      body: response.body,
      isBase64Encoded: false,
    };
  };
}

function isV2(event: ApiGatewayV1Event | ApiGatewayV2Event): event is ApiGatewayV2Event {
  return event.version === '2.0';
}

function v1Url(event: ApiGatewayV1Event): string {
  const query = new URLSearchParams();
  const multi = event.multiValueQueryStringParameters;
  if (multi) {
    for (const [name, values] of Object.entries(multi))
      for (const value of values ?? []) query.append(name, value);
  } else {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
      if (value !== undefined) query.append(name, value);
    }
  }
  return withQuery(event.path, query.toString());
}

function withQuery(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}
