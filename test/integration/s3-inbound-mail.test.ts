import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import MailComposer from 'nodemailer/lib/mail-composer';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3InboundMailReader } from '../../src/adapters/aws/s3-inbound-mail.js';
import { parseInboundMime } from '../../src/adapters/mime-parse.js';
import { BackendError } from '../../src/core/common/errors.js';
import { createBucket, createS3rverClient } from '../support/s3-client.js';

/** The aws backend's reader for inbound mail an SES S3 receipt action stored, against s3rver (a real S3 peer). */
const bucket = `dn-inbound-${randomUUID().slice(0, 8)}`;
let client: S3Client;

beforeAll(async () => {
  client = createS3rverClient(inject('s3Endpoint'));
  await createBucket(client, bucket);
});

describe('createS3InboundMailReader', () => {
  it('reads the stored MIME with GetObject, byte for byte, and mailparser reads its From and Subject', async () => {
    const raw = (
      await new MailComposer({
        from: 'Mollie <mollie@example.com>',
        to: 'unsubscribe@distronation.test',
        subject: 'Re: unsubscribe AUuwb46TnsCcUbrEF4oaWJyox87PdLH91q596GDYDSNc_knXU8Gx',
        text: 'ünïcode body',
      })
        .compile()
        .build()
    ).toString('utf8');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'inbound/abc123', Body: raw }));
    const read = await createS3InboundMailReader(client)(bucket, 'inbound/abc123');
    expect(read).toBe(raw);
    expect(await parseInboundMime(read)).toEqual({
      from: 'mollie@example.com',
      subject: 'Re: unsubscribe AUuwb46TnsCcUbrEF4oaWJyox87PdLH91q596GDYDSNc_knXU8Gx',
    });
  });

  it('a missing object is a BackendError naming the object and the permission needed', async () => {
    const error = await createS3InboundMailReader(client)(bucket, 'inbound/missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      `S3 GetObject s3://${bucket}/inbound/missing failed (NoSuchKey)`,
    );
    expect((error as BackendError).hint).toContain('s3:GetObject');
  });
});
