import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../config/schema.js';

/** How every AWS client of a run is built: one function per service, so regions and options are set once. */
export interface AwsClients {
  s3(): S3Client;
  ses(): SESv2Client;
  dynamo(): DynamoDBClient;
  documents(): DynamoDBDocumentClient;
  sts(): STSClient;
}

export function createAwsClients(config: Config): AwsClients {
  const sesRegion = config.ses.region ? { region: config.ses.region } : {};
  return {
    s3: () =>
      new S3Client({
        ...(config.reports.region ? { region: config.reports.region } : {}),
        forcePathStyle: config.reports.forcePathStyle,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      }),
    ses: () => new SESv2Client(sesRegion),
    dynamo: () => new DynamoDBClient({}),
    documents: () =>
      DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
    sts: () => new STSClient({}),
  };
}
