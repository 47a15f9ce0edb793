import { BackendError, ConfigError } from '../../core/common/errors.js';
import { RetryableError, type RetryDeps, type RetryPolicy, withRetry } from '../../core/common/retry.js';
import { parseJson, unwrapKorrectBody } from './body.js';

export interface KorrectClientOptions {
  baseUrl: string;
  apiKey: () => Promise<string>;
  timeoutMs: number;
  retry: RetryPolicy;
  deps: RetryDeps;
  fetch?: typeof globalThis.fetch;
}

export interface KorrectClient {
  readonly baseUrl: string;
  /** Calls one endpoint and returns its rows; retries 429/5xx/network errors, refuses 401/403 as config errors. */
  request(path: string, init?: { method: 'GET' | 'POST'; body?: unknown }): Promise<unknown[]>;
}

export function createKorrectClient(options: KorrectClientOptions): KorrectClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    baseUrl: options.baseUrl,
    async request(path, init = { method: 'GET' }) {
      const url = `${options.baseUrl}${path}`;
      const apiKey = await options.apiKey();
      const unavailable = (reason: string) => () =>
        new BackendError(
          `Korrect ${path} is unavailable: ${reason} (after ${options.retry.retries + 1} attempts)`,
          {
            hint: `check that ${options.baseUrl} is reachable; retry later`,
          },
        );
      return withRetry(
        async () => {
          let response: Response;
          try {
            response = await doFetch(url, {
              method: init.method,
              headers: {
                'x-api-key': apiKey,
                accept: 'application/json',
                'content-type': 'application/json',
              },
              body: init.body === undefined ? undefined : JSON.stringify(init.body),
              signal: AbortSignal.timeout(options.timeoutMs),
            });
          } catch (error) {
            // A request that cannot even be built (a header value fetch refuses) is the config's fault: no retries.
            if (error instanceof TypeError && /header/i.test(error.message)) {
              throw new ConfigError('users.korrect.apiKey: fetch refused it as an HTTP header value', {
                hint: 'the API key must be one line of visible ASCII; fix it at its source',
              });
            }
            const reason = describeFetchError(error, options.timeoutMs);
            throw new RetryableError(reason, unavailable(reason));
          }
          if (!response.ok) {
            await response.body?.cancel().catch(() => {});
            checkStatus(response.status, path, unavailable);
          }
          const text = await readText(response, unavailable);
          const unwrapped = unwrapKorrectBody(parseJson(text, `Korrect ${path} response`), `Korrect ${path}`);
          if ('statusCode' in unwrapped) checkStatus(unwrapped.statusCode, path, unavailable);
          return 'rows' in unwrapped ? unwrapped.rows : [];
        },
        options.retry,
        options.deps,
      );
    },
  };
}

async function readText(response: Response, unavailable: (reason: string) => () => Error): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    const reason = `the answer broke off (${error instanceof Error ? error.message : String(error)})`;
    throw new RetryableError(reason, unavailable(reason));
  }
}

function checkStatus(status: number, path: string, unavailable: (reason: string) => () => Error): void {
  if (status === 401 || status === 403) {
    throw new ConfigError(`Korrect refused the API key for ${path} (HTTP ${status})`, {
      hint: 'check users.korrect.apiKey and that the key may call this endpoint',
    });
  }
  if (status === 429 || status >= 500) {
    const reason = `HTTP ${status}`;
    throw new RetryableError(reason, unavailable(reason));
  }
  if (status < 200 || status > 299) {
    throw new BackendError(`Korrect ${path} answered HTTP ${status}`, {
      hint: 'check users.korrect.baseUrl (the API base URL, without the endpoint path)',
    });
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
