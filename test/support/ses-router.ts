import { createServer, request } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface SesRouter {
  /** `http://127.0.0.1:<port>`: what AWS_ENDPOINT_URL_SESV2 points at. */
  readonly endpoint: string;
  /** Paths seen, with the target each went to. */
  readonly requests: { method: string; path: string; target: string }[];
  stop(): Promise<void>;
}

/** The SES v2 routes aws-ses-v2-local lacks (TESTING.md): contact lists and the account suppression list. */
export const FAKE_ROUTES = /^\/v2\/email\/(contact-lists|suppression)(\/|$)/;

/**
 * One SES endpoint made of two peers: requests whose path matches `FAKE_ROUTES` go to `fake` (the SES fake), every
 * other request (SendEmail, GetAccount) to `emulator` (aws-ses-v2-local, or a fault proxy in front of it). Bodies
 * and answers are streamed through unchanged; on 127.0.0.1 and an OS-assigned port.
 */
export async function startSesRouter(targets: { emulator: string; fake: string }): Promise<SesRouter> {
  const requests: SesRouter['requests'] = [];
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://router').pathname;
    const target = new URL(FAKE_ROUTES.test(pathname) ? targets.fake : targets.emulator);
    requests.push({ method: req.method ?? 'GET', path: pathname, target: target.origin });
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // The client gave up (its timeout) or the target dropped us: pass the loss on, never invent an answer.
    upstream.once('error', () => res.socket?.destroy());
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  const origin = await listenOnLoopback(server);
  return {
    endpoint: origin,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
