import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

/** One scripted answer: a status and body text, optionally late, or a socket destroyed without any answer. */
export type FakeResponse =
  | { status?: number; body?: string; delayMs?: number; headers?: Record<string, string> }
  | { destroy: true; delayMs?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-cased by node:http, e.g. `headers['x-api-key']`. */
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when empty or not JSON. */
  json: unknown;
}

export interface KorrectFakeOptions {
  /** Rows of the default `GET /dn_users_list` answer. */
  users?: unknown[];
  /** Rows of the default `POST /dn_payouts_fetch` answer, or a function of the request's JSON body. */
  payouts?: unknown[] | ((request: unknown) => unknown[]);
}

export interface KorrectFake {
  /** `http://127.0.0.1:<port>`, what `users.korrect.baseUrl` would be. */
  readonly baseUrl: string;
  /** Every request received, in order (scripted, default and unknown routes alike). */
  readonly requests: RecordedRequest[];
  /** Requests to one route, e.g. `requestsTo('GET /dn_users_list')`. */
  requestsTo(route: string): RecordedRequest[];
  /** Queues answers for a route (`'GET /dn_users_list'`); once the queue is empty the default answer is used. */
  enqueue(route: string, ...responses: FakeResponse[]): void;
  setUsers(rows: unknown[]): void;
  setPayouts(rows: KorrectFakeOptions['payouts']): void;
  /** Forgets recorded requests and queued answers (keeps users and payouts). */
  reset(): void;
  stop(): Promise<void>;
}

export const USERS_ROUTE = 'GET /dn_users_list';
export const PAYOUTS_ROUTE = 'POST /dn_payouts_fetch';

/** The envelope Korrect answers with: `{ statusCode: 200, body: "<JSON string of rows>" }`. */
export function korrectEnvelope(rows: unknown[], statusCode = 200): string {
  return JSON.stringify({ statusCode, body: JSON.stringify(rows) });
}

/** Starts a fake Korrect API on 127.0.0.1 and an OS-assigned port. Stop it with `stop()`. */
export async function startKorrectFake(options: KorrectFakeOptions = {}): Promise<KorrectFake> {
  let users = options.users ?? [];
  let payouts = options.payouts ?? [];
  const queues = new Map<string, FakeResponse[]>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const defaultAnswer = (route: string, json: unknown): FakeResponse => {
    if (route === USERS_ROUTE) return { status: 200, body: korrectEnvelope(users) };
    if (route === PAYOUTS_ROUTE) {
      return { status: 200, body: korrectEnvelope(typeof payouts === 'function' ? payouts(json) : payouts) };
    }
    return { status: 404, body: JSON.stringify({ message: `no route ${route}` }) };
  };

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const route = `${req.method ?? 'GET'} ${path}`;
      const json = parseOrUndefined(body);
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, json });
      const answer = queues.get(route)?.shift() ?? defaultAnswer(route, json);
      const delayMs = answer.delayMs ?? 0;
      if (delayMs <= 0) return respond(res, answer);
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(res, answer);
      }, delayMs);
      timers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    });
  });
  const origin = await listenOnLoopback(server);

  return {
    baseUrl: origin,
    requests,
    requestsTo: (route) => requests.filter((r) => `${r.method} ${r.path}` === route),
    enqueue(route, ...responses) {
      queues.set(route, [...(queues.get(route) ?? []), ...responses]);
    },
    setUsers(rows) {
      users = rows;
    },
    setPayouts(rows) {
      payouts = rows ?? [];
    },
    reset() {
      requests.length = 0;
      queues.clear();
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function respond(res: ServerResponse, answer: FakeResponse): void {
  if (res.destroyed || res.writableEnded) return;
  if ('destroy' in answer) {
    res.socket?.destroy();
    return;
  }
  const body = answer.body ?? '';
  res.writeHead(answer.status ?? 200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...answer.headers,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
