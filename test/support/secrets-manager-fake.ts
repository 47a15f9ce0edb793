import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from './loopback.js';

/** Dummy credentials: the fake does not check signatures, the SDK still signs with them. */
export const FAKE_AWS_CREDENTIALS = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' } as const;
export const FAKE_AWS_REGION = 'us-east-1';

export interface SecretsManagerRequest {
  target: string | undefined;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface SecretsManagerFake {
  /** `http://127.0.0.1:<port>`, the SDK client's `endpoint`. */
  readonly endpoint: string;
  readonly requests: SecretsManagerRequest[];
  /** `GetSecretValue` requests for one secret id. */
  getSecretValueCalls(secretId: string): number;
  putSecret(name: string, value: string): void;
  /** Answers `GetSecretValue` for `name` with this error (`__type` and message) instead of a value. */
  failSecret(name: string, error: { type: string; message: string; status?: number }): void;
  deleteSecret(name: string): void;
  reset(): void;
  stop(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';

/**
 * A fake of AWS Secrets Manager `GetSecretValue` speaking the JSON 1.1 protocol (POST /, `X-Amz-Target`) on
 * 127.0.0.1 and an OS-assigned port. Other operations answer `UnknownOperationException`.
 */
export async function startSecretsManagerFake(
  secrets: Record<string, string> = {},
): Promise<SecretsManagerFake> {
  const store = new Map(Object.entries(secrets));
  const failures = new Map<string, { type: string; message: string; status?: number }>();
  const requests: SecretsManagerRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const body = parseOrUndefined(Buffer.concat(chunks).toString('utf8'));
      requests.push({ target: Array.isArray(target) ? target[0] : target, headers: req.headers, body });
      const reply = (status: number, payload: unknown) => {
        const text = JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': JSON_11,
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': `req-${requests.length}`,
        });
        res.end(text);
      };
      if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
        return reply(400, { __type: 'UnknownOperationException', message: `unknown operation ${target}` });
      }
      const secretId = (body as { SecretId?: unknown } | undefined)?.SecretId;
      const failure = typeof secretId === 'string' ? failures.get(secretId) : undefined;
      if (failure) return reply(failure.status ?? 400, { __type: failure.type, message: failure.message });
      const value = typeof secretId === 'string' ? store.get(secretId) : undefined;
      if (typeof secretId !== 'string' || value === undefined) {
        return reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:${FAKE_AWS_REGION}:123456789012:secret:${secretId}-AbCdEf`,
        Name: secretId,
        SecretString: value,
        VersionId: '00000000-0000-4000-8000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_767_225_600,
      });
    });
  });
  const origin = await listenOnLoopback(server);

  return {
    endpoint: origin,
    requests,
    getSecretValueCalls: (secretId) =>
      requests.filter(
        (r) =>
          r.target === 'secretsmanager.GetSecretValue' &&
          (r.body as { SecretId?: unknown })?.SecretId === secretId,
      ).length,
    putSecret(name, value) {
      store.set(name, value);
    },
    failSecret(name, error) {
      failures.set(name, error);
    },
    deleteSecret(name) {
      store.delete(name);
    },
    reset() {
      requests.length = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
