import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback.js';
import {
  createSesFakeState,
  type FakeContact,
  FakeFailure,
  type FakeTopic,
  type SesFakeError,
  type SesFakeOperation,
} from './ses-fake-state.js';

export type {
  FakeContact,
  FakeTopic,
  SesFakeError,
  SesFakeOperation,
  SubscriptionStatus,
} from './ses-fake-state.js';
export { notFound } from './ses-fake-state.js';

export interface SesFakeRequest {
  operation: SesFakeOperation | 'Unknown';
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface SesFake {
  /** `http://127.0.0.1:<port>`, the SDK client's `endpoint`. */
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: SesFakeRequest[];
  requestsFor(operation: SesFakeOperation): SesFakeRequest[];
  createContactList(name: string, topics?: readonly FakeTopic[]): void;
  /** Adds or replaces contacts (missing fields: subscribed, no preferences). */
  seedContacts(list: string, contacts: readonly (Partial<FakeContact> & { EmailAddress: string })[]): void;
  /** A contact as stored now (case-insensitive lookup), or undefined; the object is live. */
  contact(list: string, email: string): FakeContact | undefined;
  suppress(email: string, reason: 'BOUNCE' | 'COMPLAINT'): void;
  /** The next `operation` requests get these error answers, in order; then it answers normally again. */
  failNext(operation: SesFakeOperation, ...errors: SesFakeError[]): void;
  /** Forgets recorded requests and pending errors (keeps lists, contacts and suppressions). */
  reset(): void;
  stop(): Promise<void>;
}

const ROUTES: [string, RegExp, SesFakeOperation][] = [
  ['POST', /^\/v2\/email\/contact-lists\/([^/]+)\/contacts\/list$/, 'ListContacts'],
  ['POST', /^\/v2\/email\/contact-lists\/([^/]+)\/contacts$/, 'CreateContact'],
  ['GET', /^\/v2\/email\/contact-lists\/([^/]+)\/contacts\/([^/]+)$/, 'GetContact'],
  ['PUT', /^\/v2\/email\/contact-lists\/([^/]+)\/contacts\/([^/]+)$/, 'UpdateContact'],
  ['GET', /^\/v2\/email\/contact-lists\/([^/]+)$/, 'GetContactList'],
  ['GET', /^\/v2\/email\/suppression\/addresses$/, 'ListSuppressedDestinations'],
  ['PUT', /^\/v2\/email\/suppression\/addresses$/, 'PutSuppressedDestination'],
];

/**
 * A fake of the SES v2 REST routes aws-ses-v2-local lacks — contact lists and the account suppression list — on
 * 127.0.0.1 and an OS-assigned port, speaking restJson1 (errors carry `x-amzn-ErrorType`, as SES sends them),
 * so the real `@aws-sdk/client-sesv2` drives it. Signatures are not checked.
 */
export async function startSesFake(options: { maxPageSize?: number } = {}): Promise<SesFake> {
  const state = createSesFakeState(options.maxPageSize);
  const failures = new Map<SesFakeOperation, SesFakeError[]>();
  const requests: SesFakeRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      const body = parseObject(Buffer.concat(chunks).toString('utf8'));
      const route = ROUTES.find(([m, re]) => m === method && re.test(url.pathname));
      const operation = route?.[2];
      requests.push({
        operation: operation ?? 'Unknown',
        method,
        path: url.pathname,
        query: url.searchParams,
        body,
      });
      const send = (status: number, payload: unknown, type?: string) => {
        const json = JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(json),
          'x-amzn-requestid': `req-${requests.length}`,
          ...(type ? { 'x-amzn-errortype': type } : {}),
        });
        res.end(json);
      };
      try {
        if (!route || !operation) {
          throw new FakeFailure({ status: 404, type: 'UnknownOperationException', message: url.pathname });
        }
        const failure = failures.get(operation)?.shift();
        if (failure) throw new FakeFailure(failure);
        const params = (route[1].exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
        send(200, state.operations[operation]({ params, query: url.searchParams, body }));
      } catch (error) {
        const e =
          error instanceof FakeFailure
            ? error.answer
            : { status: 500, type: 'InternalFailure', message: String(error) };
        send(e.status, { message: e.message }, e.type);
      }
    });
  });
  const origin = await listenOnLoopback(server);

  return {
    endpoint: origin,
    requests,
    requestsFor: (operation) => requests.filter((r) => r.operation === operation),
    createContactList: state.createContactList,
    seedContacts: state.seedContacts,
    contact: state.contact,
    suppress: state.suppress,
    failNext(operation, ...errors) {
      failures.set(operation, [...(failures.get(operation) ?? []), ...errors]);
    },
    reset() {
      requests.length = 0;
      failures.clear();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
