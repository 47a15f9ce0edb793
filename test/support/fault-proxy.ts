import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

/** What the proxy does with one request. */
export type Fault =
  /** Pass it to the target and its answer back (the default). */
  | { kind: 'forward' }
  /** Answer at once without forwarding (the target never sees the request). */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string }
  /** Destroy the client's connection without forwarding. */
  | { kind: 'drop-before' }
  /** Forward, let the target answer, then destroy the client's connection instead of answering. */
  | { kind: 'drop-after' }
  /** Forward, let the target answer, then hold the answer back for `delayMs` (beyond the client's timeout). */
  | { kind: 'delay-after'; delayMs: number }
  /**
   * Hold the request for `delayMs`, then forward it and pass the answer back — unless the client went away
   * meanwhile (e.g. its process was killed): then the target never sees the request.
   */
  | { kind: 'delay-before'; delayMs: number };

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  /** The fault applied to it. */
  fault: Fault['kind'];
  /** The target's status code, when the request was forwarded and answered. */
  targetStatus?: number;
}

export type RequestMatch = (req: { method: string; path: string; body: string }) => boolean;

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, the SDK client's `endpoint`. */
  readonly endpoint: string;
  /** Every request that reached the proxy, in order. */
  readonly requests: ProxiedRequest[];
  /** Requests matching `match` (all when omitted). */
  count(match?: RequestMatch): number;
  /** Applies `faults` in order to the next requests that match; once used up, those requests are forwarded. */
  inject(match: RequestMatch, ...faults: Fault[]): void;
  /** Forgets recorded requests and pending faults. */
  reset(): void;
  stop(): Promise<void>;
}

/** Matches one REST route, e.g. `route('POST', '/v2/email/outbound-emails')`. */
export function route(method: string, path: string): RequestMatch {
  return (req) => req.method === method && req.path === path;
}

/** An AWS restJson1 error answer: the type in `x-amzn-ErrorType` (as SES sends it) and in the body. */
export function awsErrorAnswer(status: number, type: string, message: string): Fault {
  return {
    kind: 'answer',
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ message }),
  };
}

export const throttled = (): Fault =>
  awsErrorAnswer(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');

/** Starts a fault-injecting HTTP proxy in front of `target` on 127.0.0.1 and an OS-assigned port. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const requests: ProxiedRequest[] = [];
  let rules: { match: RequestMatch; faults: Fault[] }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const pickFault = (req: { method: string; path: string; body: string }): Fault => {
    const rule = rules.find((r) => r.faults.length > 0 && r.match(req));
    return rule?.faults.shift() ?? { kind: 'forward' };
  };

  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const seen = {
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://proxy').pathname,
        body,
      };
      const fault = pickFault(seen);
      const record: ProxiedRequest = { ...seen, fault: fault.kind };
      requests.push(record);
      if (fault.kind === 'answer') return reply(res, fault.status, fault.headers ?? {}, fault.body ?? '');
      if (fault.kind === 'drop-before') return void res.socket?.destroy();
      if (fault.kind === 'delay-before') {
        let gone = false;
        res.once('close', () => {
          gone = !res.writableEnded;
        });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, fault.delayMs);
          timers.add(timer);
        });
        if (gone || res.destroyed) return;
      }
      const answer = await forward(targetUrl, req, body).catch(() => undefined);
      if (!answer) return void res.socket?.destroy();
      record.targetStatus = answer.status;
      if (fault.kind === 'drop-after') return void res.socket?.destroy();
      if (fault.kind === 'forward' || fault.kind === 'delay-before')
        return reply(res, answer.status, answer.headers, answer.body);
      const timer = setTimeout(() => {
        timers.delete(timer);
        reply(res, answer.status, answer.headers, answer.body);
      }, fault.delayMs);
      timers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    });
  });
  const origin = await listenOnLoopback(server);

  return {
    endpoint: origin,
    requests,
    count: (match) => (match ? requests.filter((r) => match(r)).length : requests.length),
    inject(match, ...faults) {
      rules.push({ match, faults: [...faults] });
    },
    reset() {
      requests.length = 0;
      rules = [];
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

interface TargetAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function forward(target: URL, req: IncomingMessage, body: string): Promise<TargetAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false },
      (res) => {
        void readBody(res).then((text) => {
          const answerHeaders: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers)) {
            if (typeof value === 'string' && key !== 'connection' && key !== 'transfer-encoding') {
              answerHeaders[key] = value;
            }
          }
          resolve({ status: res.statusCode ?? 502, headers: answerHeaders, body: text });
        });
      },
    );
    upstream.once('error', reject);
    upstream.end(body);
  });
}

function reply(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function readBody(stream: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
