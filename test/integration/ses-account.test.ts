import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSesAccount } from '../../src/adapters/aws/ses-account.js';
import { BackendError, ConfigError, ExitCode } from '../../src/core/common/errors.js';
import { awsErrorAnswer, type FaultProxy, route, startFaultProxy } from '../support/fault-proxy.js';
import {
  SES_LOCAL_CREDENTIALS,
  SES_LOCAL_REGION,
  type SesLocal,
  startSesLocal,
} from '../support/ses-local.js';

const GET_ACCOUNT = route('GET', '/v2/email/account');

let ses: SesLocal;
let paused: SesLocal;
let proxy: FaultProxy;
const clients: SESv2Client[] = [];

beforeAll(async () => {
  [ses, paused] = await Promise.all([
    startSesLocal({ max24HourSend: 200, maxSendRate: 3, sentLast24Hours: 17 }),
    startSesLocal({ sendingEnabled: false }),
  ]);
  proxy = await startFaultProxy(ses.endpoint);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await proxy?.stop();
  await Promise.all([ses?.stop(), paused?.stop()]);
});

function account(endpoint: string) {
  const client = new SESv2Client({
    endpoint,
    region: SES_LOCAL_REGION,
    credentials: SES_LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  clients.push(client);
  return createSesAccount(client);
}

describe('SES account (GetAccount against aws-ses-v2-local)', () => {
  it('reads the send quota and whether sending is enabled', async () => {
    expect(await account(ses.endpoint).getQuota()).toEqual({
      max24HourSend: 200,
      maxSendRate: 3,
      sentLast24Hours: 17,
      sendingEnabled: true,
    });
  });

  it('reports a paused account as sendingEnabled false', async () => {
    expect(await account(paused.endpoint).getQuota()).toMatchObject({ sendingEnabled: false });
  });

  it.each([
    [403, 'AccessDeniedException', 'not authorized to perform ses:GetAccount'],
    [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'],
  ])('HTTP %i %s → ConfigError (exit 3)', async (status, type, text) => {
    proxy.inject(GET_ACCOUNT, awsErrorAnswer(status, type, text));
    const error = await account(proxy.endpoint)
      .getQuota()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.config);
    expect((error as ConfigError).hint).toBeTruthy();
  });

  it('an answer without a SendQuota is a backend error, not a zero quota', async () => {
    proxy.inject(GET_ACCOUNT, {
      kind: 'answer',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ SendingEnabled: true }),
    });
    await expect(account(proxy.endpoint).getQuota()).rejects.toBeInstanceOf(BackendError);
  });
});
