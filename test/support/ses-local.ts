import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stopChild } from './s3rver.js';

/** Dummy credentials: the emulator only checks that an `AWS…` Authorization header is present. */
export const SES_LOCAL_CREDENTIALS = { accessKeyId: 'AKIDSESLOCAL', secretAccessKey: 'ses-local' } as const;
export const SES_LOCAL_REGION = 'us-east-1';

export interface SesLocalQuota {
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
  sendingEnabled: boolean;
}

/** One message as the emulator keeps it in `GET /store` (Simple content). */
export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  /** Custom headers of `Content.Simple.Headers`, in order; absent when none were sent. */
  headers?: { name: string; value: string }[];
  /** Epoch seconds. */
  at: number;
}

export interface SesLocal {
  /** `http://127.0.0.1:<port>`, the SDK client's `endpoint`. */
  readonly endpoint: string;
  readonly pid: number;
  /** Every stored message, or only those whose To, Cc or Bcc holds `recipient` (case-insensitive). */
  emails(recipient?: string): Promise<StoredEmail[]>;
  /** The RFC 822 text the emulator composes for one stored message. */
  emlContent(messageId: string): Promise<string>;
  stop(): Promise<void>;
}

const DEFAULT_QUOTA: SesLocalQuota = {
  max24HourSend: 50_000,
  maxSendRate: 14,
  sentLast24Hours: 120,
  sendingEnabled: true,
};

/** The full account document `GetAccount` needs (the emulator rejects a partial one with a 400). */
export function sesAccountJson(quota: SesLocalQuota): string {
  return JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'TRANSACTIONAL',
      ReviewDetails: { CaseId: 'case-1', Status: 'GRANTED' },
      UseCaseDescription: 'monthly financial reports',
      WebsiteURL: 'https://example.com',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: quota.sendingEnabled,
    SendQuota: {
      Max24HourSend: quota.max24HourSend,
      MaxSendRate: quota.maxSendRate,
      SentLast24Hours: quota.sentLast24Hours,
    },
    SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
  });
}

/**
 * Starts aws-ses-v2-local on 127.0.0.1 with an OS-assigned port. It prints `server running at
 * http://localhost:<port>` (it says localhost for 127.0.0.1); we connect to 127.0.0.1 itself.
 */
export async function startSesLocal(quota: Partial<SesLocalQuota> = {}): Promise<SesLocal> {
  const cli = path.join(
    path.dirname(createRequire(import.meta.url).resolve('aws-ses-v2-local/package.json')),
    'dist/cli.js',
  );
  const child = spawn(process.execPath, [cli, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      AWS_SES_ACCOUNT: sesAccountJson({ ...DEFAULT_QUOTA, ...quota }),
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /server running at http:\/\/[^:]+:(\d+)/.exec(output);
      if (match?.[1]) resolve(Number(match[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`aws-ses-v2-local exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`aws-ses-v2-local did not start: ${output}`)), 15_000).unref();
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    pid: child.pid ?? -1,
    async emails(recipient) {
      const { emails } = (await getJson(`${endpoint}/store`)) as { emails: StoredEmail[] };
      if (recipient === undefined) return emails;
      const wanted = recipient.toLowerCase();
      return emails.filter((email) =>
        [...email.destination.to, ...email.destination.cc, ...email.destination.bcc].some(
          (address) => address.toLowerCase() === wanted,
        ),
      );
    },
    async emlContent(messageId) {
      const answer = (await getJson(
        `${endpoint}/get-emlContent?messageId=${encodeURIComponent(messageId)}`,
      )) as { body: { type: 'Buffer'; data: number[] } | string };
      // The emulator sends nodemailer's Buffer through res.send(JSON): `{ type: 'Buffer', data: [bytes] }`.
      return typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body.data).toString('utf8');
    },
    stop: () => stopChild(child),
  };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}
