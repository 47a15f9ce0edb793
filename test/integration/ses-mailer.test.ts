import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSesSendClient } from '../../src/adapters/aws/clients.js';
import { createSesMailer, sanitizeEmailTags, toSendEmailInput } from '../../src/adapters/aws/ses-mailer.js';
import { ExitCode } from '../../src/core/common/errors.js';
import {
  SendFatalError,
  SendOutcomeUnknownError,
  SendRejectedError,
  SendThrottledError,
} from '../../src/core/send/send-errors.js';
import type { OutgoingMessage } from '../../src/ports.js';
import {
  awsErrorAnswer,
  type FaultProxy,
  route,
  startFaultProxy,
  throttled,
} from '../support/fault-proxy.js';
import {
  SES_LOCAL_CREDENTIALS,
  SES_LOCAL_REGION,
  type SesLocal,
  startSesLocal,
} from '../support/ses-local.js';

const SEND = route('POST', '/v2/email/outbound-emails');
const TIMEOUT_MS = 800;

let ses: SesLocal;
let proxy: FaultProxy;
const clients: SESv2Client[] = [];

beforeAll(async () => {
  ses = await startSesLocal();
  proxy = await startFaultProxy(ses.endpoint);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await proxy?.stop();
  await ses?.stop();
});
beforeEach(() => proxy.reset());

function sendClient(endpoint: string, requestTimeoutMs = TIMEOUT_MS): SESv2Client {
  const client = createSesSendClient({
    endpoint,
    region: SES_LOCAL_REGION,
    credentials: SES_LOCAL_CREDENTIALS,
    requestTimeoutMs,
  });
  clients.push(client);
  return client;
}

function message(to: string, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    to,
    from: 'Distro Nation <reports@distronation.test>',
    replyTo: 'finance@distronation.test',
    bcc: [],
    subject: 'Your financial report — Décembre 2025',
    html: '<p>Hello <b>Dylan</b>, your balance is $1,234.56</p>',
    text: 'Hello Dylan, your balance is $1,234.56',
    headers: {
      'List-Unsubscribe': '<https://unsub.distronation.test/u?t=abc>, <mailto:unsub@distronation.test>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    messageId: 'financial-2025-12.abc@distronation.test',
    tags: { campaign: 'financial-2025-12', month: 'December 2025' },
    date: new Date('2026-01-05T10:00:00Z'),
    ...overrides,
  };
}

async function sendThroughProxy(to: string) {
  const mailer = createSesMailer(sendClient(proxy.endpoint));
  return mailer.send(message(to)).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('SES mailer against aws-ses-v2-local', () => {
  it('delivers subject, both bodies, reply-to and the List-Unsubscribe headers', async () => {
    const to = 'dylan@creators.test';
    const { messageId } = await createSesMailer(sendClient(ses.endpoint)).send(message(to));
    const [stored, ...others] = await ses.emails(to);
    expect(others).toEqual([]);
    expect(stored).toMatchObject({
      messageId,
      from: 'Distro Nation <reports@distronation.test>',
      replyTo: ['finance@distronation.test'],
      destination: { to: [to], cc: [], bcc: [] },
      subject: 'Your financial report — Décembre 2025',
      body: { html: '<p>Hello <b>Dylan</b>, your balance is $1,234.56</p>', text: expect.any(String) },
      headers: [
        { name: 'List-Unsubscribe', value: message(to).headers['List-Unsubscribe'] },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ],
    });
    const eml = await ses.emlContent(messageId);
    expect(eml).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(eml).toMatch(/^List-Unsubscribe: <https:\/\/unsub\.distronation\.test\/u\?t=abc>/m);
  });

  it('sends bcc copies as BccAddresses of the same message', async () => {
    const to = 'bcc-case@creators.test';
    const bcc = ['audit@distronation.test', 'archive@distronation.test'];
    await createSesMailer(sendClient(ses.endpoint)).send(message(to, { bcc }));
    const stored = await ses.emails(to);
    expect(stored.map((e) => e.destination)).toEqual([{ to: [to], cc: [], bcc }]);
  });

  it('puts sanitised tags, the configuration set and list management into the request', async () => {
    const mailer = createSesMailer(sendClient(proxy.endpoint), { configurationSet: 'financial-reports' });
    const to = 'request-shape@creators.test';
    await mailer.send(
      message(to, {
        tags: { campaign: 'financial-2025-12', 'month name': 'Décembre 2025', empty: '', '': 'x' },
        listManagement: { contactList: 'distro-nation', topic: 'financial-reports' },
      }),
    );
    const body = JSON.parse(proxy.requests[0]?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({
      ConfigurationSetName: 'financial-reports',
      EmailTags: [
        { Name: 'campaign', Value: 'financial-2025-12' },
        { Name: 'month_name', Value: 'D_cembre_2025' },
      ],
      ListManagementOptions: { ContactListName: 'distro-nation', TopicName: 'financial-reports' },
      Content: { Simple: { Subject: { Charset: 'UTF-8' }, Body: { Text: { Charset: 'UTF-8' } } } },
    });
    expect(await ses.emails(to)).toHaveLength(1);
  });
});

describe('sanitizeEmailTags', () => {
  it.each([
    [{ a: 'b' }, [{ Name: 'a', Value: 'b' }]],
    [{ 'x y': 'p/q=r' }, [{ Name: 'x_y', Value: 'p_q_r' }]],
    [{ name: '' }, []],
    [{ '': 'value' }, []],
    [{ 'a.b': '1', a_b: '2' }, [{ Name: 'a_b', Value: '1' }]],
    [{ long: 'v'.repeat(300) }, [{ Name: 'long', Value: 'v'.repeat(256) }]],
  ])('%j → %j', (tags, expected) => {
    expect(sanitizeEmailTags(tags)).toEqual(expected);
  });

  it('omits EmailTags, Bcc and Reply-To when there are none', () => {
    const input = toSendEmailInput(message('x@y.test', { tags: {}, bcc: [], replyTo: undefined }), {});
    expect(input).not.toHaveProperty('EmailTags');
    expect(input).not.toHaveProperty('ReplyToAddresses');
    expect(input.Destination).toEqual({ ToAddresses: ['x@y.test'] });
  });
});

describe('send errors through the fault proxy (the SDK never resends)', () => {
  it('the send client has maxAttempts 1 even when AWS_MAX_ATTEMPTS says otherwise', async () => {
    const previous = process.env.AWS_MAX_ATTEMPTS;
    process.env.AWS_MAX_ATTEMPTS = '5';
    try {
      expect(await sendClient(ses.endpoint).config.maxAttempts()).toBe(1);
    } finally {
      if (previous === undefined) delete process.env.AWS_MAX_ATTEMPTS;
      else process.env.AWS_MAX_ATTEMPTS = previous;
    }
  });

  it('HTTP 429 → SendThrottledError, one request, nothing stored', async () => {
    proxy.inject(SEND, throttled());
    const to = 'throttled@creators.test';
    const error = await sendThroughProxy(to);
    expect(error).toBeInstanceOf(SendThrottledError);
    expect(proxy.count(SEND)).toBe(1);
    expect(await ses.emails(to)).toEqual([]);
  });

  it('a timeout after SES accepted → SendOutcomeUnknownError and exactly one stored copy', async () => {
    proxy.inject(SEND, { kind: 'delay-after', delayMs: TIMEOUT_MS * 3 });
    const to = 'timeout-after-accept@creators.test';
    const started = Date.now();
    const error = await sendThroughProxy(to);
    expect(error).toBeInstanceOf(SendOutcomeUnknownError);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3);
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2)); // room for a resend that must not come
    expect(proxy.count(SEND)).toBe(1);
    expect(await ses.emails(to)).toHaveLength(1);
  });

  it('control: a default SDK client resends on that timeout and delivers three copies', async () => {
    const client = new SESv2Client({
      endpoint: proxy.endpoint,
      region: SES_LOCAL_REGION,
      credentials: SES_LOCAL_CREDENTIALS,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    clients.push(client);
    const delay = { kind: 'delay-after', delayMs: 2_000 } as const;
    proxy.inject(SEND, delay, delay, delay);
    const to = 'default-client@creators.test';
    const input = toSendEmailInput(message(to), {});
    await expect(client.send(new SendEmailCommand(input))).rejects.toThrow();
    expect(proxy.count(SEND)).toBe(3);
    expect(await ses.emails(to)).toHaveLength(3);
  });

  it('a connection dropped after SES accepted → SendOutcomeUnknownError, one copy', async () => {
    proxy.inject(SEND, { kind: 'drop-after' });
    const to = 'dropped-after@creators.test';
    expect(await sendThroughProxy(to)).toBeInstanceOf(SendOutcomeUnknownError);
    expect(proxy.count(SEND)).toBe(1);
    expect(await ses.emails(to)).toHaveLength(1);
  });

  it('a connection dropped before an answer → SendOutcomeUnknownError (the client cannot tell)', async () => {
    proxy.inject(SEND, { kind: 'drop-before' });
    const to = 'dropped-before@creators.test';
    expect(await sendThroughProxy(to)).toBeInstanceOf(SendOutcomeUnknownError);
    expect(proxy.count(SEND)).toBe(1);
  });

  it.each([
    [500, 'InternalFailure', 'internal error'],
    [503, 'ServiceUnavailable', 'try later'],
  ])('HTTP %i %s → SendOutcomeUnknownError, no SDK retry', async (status, type, text) => {
    proxy.inject(SEND, awsErrorAnswer(status, type, text));
    expect(await sendThroughProxy(`http-${status}@creators.test`)).toBeInstanceOf(SendOutcomeUnknownError);
    expect(proxy.count(SEND)).toBe(1);
  });

  it.each([
    ['MessageRejected', 'Email address is not verified.'],
    ['BadRequestException', 'Illegal address'],
    ['MailFromDomainNotVerifiedException', 'MAIL FROM domain is not verified'],
  ])('HTTP 400 %s → SendRejectedError with the reason', async (type, text) => {
    proxy.inject(SEND, awsErrorAnswer(400, type, text));
    const error = await sendThroughProxy('rejected@creators.test');
    expect(error).toBeInstanceOf(SendRejectedError);
    expect((error as Error).message).toContain(text);
    expect(proxy.count(SEND)).toBe(1);
  });

  it('masks every address SES names in its message: the reason reaches stdout, --json and the ledger', async () => {
    const text =
      'Email address is not verified. The following identities failed the check in region EU-WEST-1: ' +
      'artist@x.com, "Ann Lee" <ann.lee+dn@mail.example.co.uk>';
    proxy.inject(SEND, awsErrorAnswer(400, 'MessageRejected', text));
    const error = await sendThroughProxy('artist@x.com');
    expect(error).toBeInstanceOf(SendRejectedError);
    const reason = (error as Error).message;
    expect(reason).toContain(
      'failed the check in region EU-WEST-1: a***@x.com, "Ann Lee" <a***@mail.example.co.uk>',
    );
    expect(reason).not.toMatch(/artist@|ann\.lee/);
  });

  it('masks addresses in a fatal refusal too', async () => {
    proxy.inject(
      SEND,
      awsErrorAnswer(400, 'SendingPausedException', 'sending is paused for reports@dn.test'),
    );
    const error = await sendThroughProxy('fatal-masked@creators.test');
    expect(error).toBeInstanceOf(SendFatalError);
    expect((error as Error).message).toContain('sending is paused for r***@dn.test');
  });

  it.each([
    [403, 'AccountSuspendedException', 'suspended'],
    [400, 'SendingPausedException', 'paused'],
    [403, 'AccessDeniedException', 'not authorized to perform ses:SendEmail'],
    [403, 'UnrecognizedClientException', 'The security token included in the request is invalid'],
    [429, 'ThrottlingException', 'Daily message quota exceeded.'],
  ])('HTTP %i %s → SendFatalError (exit 5) with a hint', async (status, type, text) => {
    proxy.inject(SEND, awsErrorAnswer(status, type, text));
    const error = await sendThroughProxy('fatal@creators.test');
    expect(error).toBeInstanceOf(SendFatalError);
    expect((error as SendFatalError).exitCode).toBe(ExitCode.backend);
    expect((error as SendFatalError).hint).toBeTruthy();
  });

  it('nobody listening → SendFatalError: nothing was sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const mailer = createSesMailer(sendClient(`http://127.0.0.1:${port}`));
    const error = await mailer.send(message('nobody@creators.test')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendFatalError);
    expect((error as Error).message).toMatch(/nothing was sent/);
  });
});
