import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/** What the stack adds to a table the code defines: TTL, point-in-time recovery. */
export interface TableExtras {
  timeToLiveAttribute?: string;
  pointInTimeRecovery?: boolean;
}

/**
 * A DynamoDB table made from the CreateTable input the code uses (`src/adapters/aws/dynamo-tables.ts`, the same
 * inputs the tests create in dynalite), so the deployed keys and indexes cannot drift from the code's. On-demand,
 * deletion protection on, retained when the stack is deleted: the ledger is what prevents a second send.
 */
export function tableFromInput(
  scope: Construct,
  id: string,
  input: CreateTableCommandInput,
  extras: TableExtras = {},
): dynamodb.Table {
  if (input.BillingMode !== 'PAY_PER_REQUEST') {
    throw new Error(`${input.TableName}: the code's table input is not on-demand (${input.BillingMode})`);
  }
  const table = new dynamodb.Table(scope, id, {
    tableName: input.TableName,
    partitionKey: keyOf(input, input.KeySchema, 'HASH'),
    sortKey: optionalKeyOf(input, input.KeySchema, 'RANGE'),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    timeToLiveAttribute: extras.timeToLiveAttribute,
    pointInTimeRecoverySpecification: extras.pointInTimeRecovery
      ? { pointInTimeRecoveryEnabled: true }
      : undefined,
  });
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (!index.IndexName) throw new Error(`${input.TableName}: a global secondary index without a name`);
    if (index.Projection?.ProjectionType !== 'ALL') {
      throw new Error(`${input.TableName}/${index.IndexName}: only projection ALL is translated`);
    }
    table.addGlobalSecondaryIndex({
      indexName: index.IndexName,
      partitionKey: keyOf(input, index.KeySchema, 'HASH'),
      sortKey: optionalKeyOf(input, index.KeySchema, 'RANGE'),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  if ((input.LocalSecondaryIndexes ?? []).length > 0) {
    throw new Error(`${input.TableName}: local secondary indexes are not translated`);
  }
  return table;
}

type KeySchema = CreateTableCommandInput['KeySchema'];

function keyOf(
  input: CreateTableCommandInput,
  schema: KeySchema,
  type: 'HASH' | 'RANGE',
): dynamodb.Attribute {
  const key = optionalKeyOf(input, schema, type);
  if (!key) throw new Error(`${input.TableName}: no ${type} key`);
  return key;
}

function optionalKeyOf(
  input: CreateTableCommandInput,
  schema: KeySchema,
  type: 'HASH' | 'RANGE',
): dynamodb.Attribute | undefined {
  const name = schema?.find((key) => key.KeyType === type)?.AttributeName;
  if (name === undefined) return undefined;
  const attributeType = input.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  const types: Record<string, dynamodb.AttributeType> = {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  };
  const mapped = attributeType === undefined ? undefined : types[attributeType];
  if (!mapped)
    throw new Error(`${input.TableName}: attribute ${name} has no definition the stack can translate`);
  return { name, type: mapped };
}
