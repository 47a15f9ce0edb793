import { ArnFormat, AssetHashType, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildKmsStatement } from '../../src/adapters/aws/iam-policy.js';
import { bundleUnsubscribeLambda, LAMBDA_ENTRY } from './bundle.js';
import type { StackSettings } from './settings.js';
import type { TokenKey } from './token-key.js';

export interface UnsubscribeEndpointProps {
  settings: StackSettings;
  auditTable: dynamodb.ITable;
  tokenKey: TokenKey;
  /** The bundle; default: built with esbuild from `lambda/unsubscribe.ts` at synth time. */
  code?: lambda.Code;
}

/**
 * The one-click unsubscribe endpoint: the exported handler in a Lambda behind a function URL (no auth: the token is
 * the authority). The function URL passes API Gateway v2 events, which the handler reads.
 */
export class UnsubscribeEndpoint extends Construct {
  readonly function: lambda.Function;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: UnsubscribeEndpointProps) {
    super(scope, id);
    const { settings } = props;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${settings.functionName}`,
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'dn-mailer unsubscribe endpoint: the contact list, the audit table, the token key',
    });
    this.grant(role, props);
    this.function = new lambda.Function(this, 'Function', {
      functionName: settings.functionName,
      description: 'dn-mailer one-click unsubscribe endpoint',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code ?? unsubscribeCode(),
      memorySize: 256,
      timeout: Duration.seconds(10),
      role,
      logGroup,
      environment: endpointEnvironment(settings, props.auditTable.tableName, props.tokenKey.keyId),
    });
    // Logs are written by the role; the group is the stack's, with its retention.
    logGroup.grantWrite(role);
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  }

  /** Exactly what the handler calls: the contact list's contacts, the audit trail, the token key(s). */
  private grant(role: iam.Role, props: UnsubscribeEndpointProps): void {
    const { settings } = props;
    const stack = Stack.of(this);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ContactList',
        actions: ['ses:GetContactList', 'ses:GetContact', 'ses:CreateContact', 'ses:UpdateContact'],
        resources: [
          stack.formatArn({ service: 'ses', resource: 'contact-list', resourceName: settings.contactList }),
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Audit',
        actions: ['dynamodb:PutItem', 'dynamodb:Query'],
        resources: [props.auditTable.tableArn],
      }),
    );
    role.addToPolicy(iam.PolicyStatement.fromJson(buildKmsStatement(props.tokenKey.grant)));
    if (settings.tokenKeySecret) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AesTokenKey',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArn(stack, settings.tokenKeySecret)],
        }),
      );
    }
  }
}

/**
 * The function's environment: the variables `createUnsubscribeLambda` reads (the topic is not one: each token names
 * its own).
 */
export function endpointEnvironment(
  settings: StackSettings,
  auditTable: string,
  kmsKeyId: string,
): Record<string, string> {
  const environment: Record<string, string> = {
    DN_CONTACT_LIST: settings.contactList,
    DN_AUDIT_TABLE: auditTable,
    DN_BRAND_NAME: settings.brandName,
    DN_MAX_AGE_DAYS: String(settings.maxAgeDays),
    DN_TOKEN_FORMAT: settings.tokenFormat,
    DN_KMS_KEY_ID: kmsKeyId,
  };
  if (settings.tokenKeySecret) environment.DN_TOKEN_KEY_SECRET = settings.tokenKeySecret;
  if (settings.publicUrl) environment.DN_PUBLIC_URL = settings.publicUrl;
  return environment;
}

/** A secret by name (any of its ARNs: Secrets Manager adds a random suffix) or by ARN. */
function secretArn(stack: Stack, id: string): string {
  if (id.startsWith('arn:')) return id;
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${id}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The bundle, built by esbuild in this process when the asset is staged (no Docker: the image is only named because
 * CDK requires one). Hashed by its output, so a change anywhere in the root `src/` it includes makes a new version.
 */
export function unsubscribeCode(): lambda.Code {
  return lambda.Code.fromAsset(LAMBDA_ENTRY.replace(/[/\\][^/\\]+$/, ''), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDir) {
          bundleUnsubscribeLambda(outputDir);
          return true;
        },
      },
    },
  });
}
