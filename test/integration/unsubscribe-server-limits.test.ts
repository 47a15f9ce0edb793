import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEndpointServer,
  DEFAULT_SERVER_LIMITS,
  type EndpointServerLimits,
} from '../../src/adapters/http/index.js';
import { createLocalListener } from '../../src/adapters/local/host.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { aesTokens, tokenFor } from '../support/unsubscribe-endpoint.js';

/**
 * `dn-mailer serve`'s node:http server (createLocalListener) against slow and greedy clients, with small limits
 * injected so each case ends quickly. The assertions are about what the server does (408, 431, a closed socket
 * before the client finished), never about how fast.
 */

let stop: (() => Promise<void>) | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await stop?.();
  stop = undefined;
});

async function serve(limits: Partial<EndpointServerLimits>) {
  const { url, close } = await createLocalListener(limits).serveUnsubscribe(
    {
      contacts: memoryContactList(),
      audit: memoryAuditLog(),
      tokens: aesTokens(),
      maxAgeDays: 30,
      brandName: 'Distro Nation',
      clock: { now: () => new Date() },
    },
    { port: 0, host: '127.0.0.1', trustProxy: 0, onError: () => {} },
  );
  stop = close;
  return new URL(url);
}

/** A raw client: what it received, and whether the server closed the connection. */
function rawClient(url: URL) {
  const socket = connect(Number(url.port), url.hostname);
  sockets.push(socket);
  const state = { received: '', closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    state.received += chunk;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      state.closed = true;
      resolve();
    }),
  );
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, state, closed, connected };
}

/** Writes `text` one character per `everyMs` until done or the server closed the socket; returns how much went. */
async function trickle(client: ReturnType<typeof rawClient>, text: string, everyMs = 25): Promise<number> {
  let sent = 0;
  while (sent < text.length && !client.state.closed) {
    client.socket.write(text[sent] ?? '');
    sent += 1;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return sent;
}

describe('node:http limits of the unsubscribe endpoint', () => {
  it('defaults: 5 s for headers, 10 s per request, 5 s keep-alive, 256 connections, 8 KB of headers', () => {
    const server = createEndpointServer(() => {});
    expect({
      headers: server.headersTimeout,
      request: server.requestTimeout,
      keepAlive: server.keepAliveTimeout,
      connections: server.maxConnections,
      idle: server.timeout,
    }).toEqual({ headers: 5_000, request: 10_000, keepAlive: 5_000, connections: 256, idle: 10_000 });
    expect(DEFAULT_SERVER_LIMITS.maxHeaderBytes).toBe(8_192);
  });

  it('a trickled body (slowloris) is answered 408 and cut off before the client finishes', async () => {
    const url = await serve({ requestTimeoutMs: 300, headersTimeoutMs: 300, checkIntervalMs: 50 });
    const client = rawClient(url);
    await client.connected;
    const body = 'List-Unsubscribe=One-Click&pad='.padEnd(200, 'x');
    client.socket.write(
      `POST /?data=${tokenFor()} HTTP/1.1\r\nHost: ${url.host}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const sent = await trickle(client, body);
    await client.closed;
    expect(sent).toBeLessThan(body.length);
    expect(client.state.received).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('trickled headers are answered 408 and cut off', async () => {
    const url = await serve({ requestTimeoutMs: 300, headersTimeoutMs: 200, checkIntervalMs: 50 });
    const client = rawClient(url);
    await client.connected;
    client.socket.write(`GET / HTTP/1.1\r\nHost: ${url.host}\r\n`);
    const headers = 'X-Slow: '.padEnd(200, 'y');
    const sent = await trickle(client, headers);
    await client.closed;
    expect(sent).toBeLessThan(headers.length);
    expect(client.state.received).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('more headers than allowed → 431', async () => {
    const url = await serve({ maxHeaderBytes: 2_048 });
    const response = await fetch(url, { headers: { 'x-padding': 'z'.repeat(4_000) } });
    expect(response.status).toBe(431);
  });

  it('connections beyond the cap are closed at once; the ones within it are served', async () => {
    const url = await serve({ maxConnections: 2 });
    const held = [rawClient(url), rawClient(url)];
    await Promise.all(held.map((client) => client.connected));
    const extra = rawClient(url);
    extra.socket.write(`GET / HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    await extra.closed;
    expect(extra.state.received).toBe('');
    const first = held[0];
    if (!first) throw new Error('no held connection');
    first.socket.write(`GET / HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
    await first.closed;
    expect(first.state.received).toMatch(/^HTTP\/1\.1 400 /);
  });
});
