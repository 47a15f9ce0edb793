import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
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
        try {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } catch (error) {
          throw translateAwsError(error, `listing s3://${bucket}/${prefix}`);
        }
      } while (token);
      return keys;
    },
  };
}
