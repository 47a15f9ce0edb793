import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { BackendError } from '../../core/common/errors.js';

/** SES accepts inbound messages up to 40 MB; an object larger than that is not a mail SES stored. */
const MAX_BYTES = 40 * 1024 * 1024;

/**
 * Reads the raw MIME an SES receipt rule's S3 action stored (`receipt.action.bucketName` / `objectKey`), as text.
 * Needs `s3:GetObject` on that bucket (and `kms:Decrypt` when the rule encrypts).
 */
export function createS3InboundMailReader(s3: S3Client): (bucket: string, key: string) => Promise<string> {
  return async (bucket, key) => {
    let object: GetObjectCommandOutput;
    try {
      object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      const name = error instanceof Error ? error.name : 'error';
      throw new BackendError(`S3 GetObject s3://${bucket}/${key} failed (${name})`, {
        cause: error,
        hint: 'the receipt rule stores inbound mail there: dn-mailer needs s3:GetObject on that bucket',
      });
    }
    if ((object.ContentLength ?? 0) > MAX_BYTES)
      throw new BackendError(`s3://${bucket}/${key} is larger than an inbound mail can be (40 MB)`);
    if (!object.Body) throw new BackendError(`s3://${bucket}/${key} has no body`);
    return object.Body.transformToString('utf-8');
  };
}
