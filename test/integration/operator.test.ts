import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whoAmI } from '../../src/adapters/operator.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/secrets-manager-fake.js';

const ARN = 'arn:aws:sts::123456789012:assumed-role/finance/alice';
let server: Server;
let endpoint: string;
/** What the fake STS answers next: the awsQuery XML of GetCallerIdentity, or an error. */
let answer: 'identity' | 'denied' | 'hang' = 'identity';
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      bodies.push(body);
      if (answer === 'hang') return;
      const xml =
        answer === 'identity'
          ? `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>${ARN}</Arn><UserId>AROAEXAMPLE:alice</UserId><Account>123456789012</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
          : `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
<Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>r2</RequestId></ErrorResponse>`;
      res.writeHead(answer === 'identity' ? 200 : 403, { 'content-type': 'text/xml' });
      res.end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function sts(): STSClient {
  return new STSClient({
    endpoint,
    region: FAKE_AWS_REGION,
    credentials: FAKE_AWS_CREDENTIALS,
    maxAttempts: 1,
  });
}

const userInfo = () => ({ username: 'alice' });

describe('whoAmI', () => {
  it('local backend: the OS user, without any AWS call', async () => {
    expect(await whoAmI({ env: {}, userInfo })).toBe('alice');
    expect(bodies).toEqual([]);
  });

  it('aws backend: the caller identity ARN from STS GetCallerIdentity', async () => {
    answer = 'identity';
    const client = sts();
    expect(await whoAmI({ env: {}, userInfo, stsClient: () => client })).toBe(ARN);
    expect(bodies.at(-1)).toContain('Action=GetCallerIdentity');
    client.destroy();
  });

  it('aws backend, STS refuses: the OS user with a note saying why', async () => {
    answer = 'denied';
    const client = sts();
    expect(await whoAmI({ env: {}, userInfo, stsClient: () => client })).toBe(
      'alice (OS user; AWS identity unavailable: AccessDenied)',
    );
    client.destroy();
  });

  it('aws backend, STS does not answer in time: the OS user with a note', async () => {
    answer = 'hang';
    const client = sts();
    const actor = await whoAmI({ env: {}, userInfo, stsClient: () => client, timeoutMs: 200 });
    expect(actor).toMatch(/^alice \(OS user; AWS identity unavailable: \w+\)$/);
    client.destroy();
    answer = 'identity';
  });

  it('no passwd entry for the uid: USER / LOGNAME / USERNAME from the environment', async () => {
    const broken = () => {
      throw new Error('ENOENT');
    };
    expect(await whoAmI({ env: { LOGNAME: 'bob' }, userInfo: broken })).toBe('bob');
    expect(await whoAmI({ env: {}, userInfo: broken })).toBe('unknown OS user');
    expect(typeof (await whoAmI({ env: {} }))).toBe('string');
  });
});
