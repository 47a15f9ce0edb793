import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { BackendError } from '../../core/common/errors.js';
import type { ReportStore } from '../../ports.js';
import { translateAwsError } from './errors.js';

/** Report keys from S3 `ListObjectsV2`, every page. */
export function createS3ReportStore(client: S3Client, bucket: string): ReportStore {
  return {
    location: `s3://${bucket}`,
    async listKeys(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
        } catch (error) {
          throw translateAwsError(error, `listing s3://${bucket}/${prefix}`);
        }
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (page.IsTruncated && !token) {
          // A partial listing would make reports look missing: refuse rather than guess.
          throw new BackendError(
            `listing s3://${bucket}/${prefix} was truncated without a continuation token`,
          );
        }
      } while (token);
      return keys;
    },
  };
}
