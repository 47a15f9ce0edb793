import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { buildIamStatements, type IamScope, type Statement } from '../../src/adapters/aws/iam-policy.js';
import type { StackSettings } from './settings.js';

export const GITHUB_OIDC_URL = 'https://token.actions.githubusercontent.com';
const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/**
 * The role the monthly workflow assumes by OIDC (examples/github-actions/monthly-financial-report.yml). It trusts
 * two subjects of one repository: the branch (the plan job) and the approval environment (the send job, which gets
 * the environment subject instead of the branch one). Its policy is `buildIamStatements` — the same statements
 * `dn-mailer doctor --iam-policy` prints — over the ARNs of what this stack created.
 */
export class GitHubRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, settings: StackSettings, iamScope: IamScope) {
    super(scope, id);
    const providerArn = settings.githubOidcProviderArn
      ? settings.githubOidcProviderArn
      : new iam.OidcProviderNative(this, 'GitHubOidcProvider', {
          url: GITHUB_OIDC_URL,
          clientIds: ['sts.amazonaws.com'],
        }).oidcProviderArn;
    this.role = new iam.Role(this, 'Role', {
      roleName: settings.githubRoleName,
      description: `dn-mailer monthly workflow of ${settings.githubRepository} (GitHub Actions OIDC)`,
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_OIDC_HOST}:sub`]: githubSubjects(settings),
        },
      }),
      // The send job asks for 3 hours (role-duration-seconds: 10800).
      maxSessionDuration: Duration.hours(3),
      inlinePolicies: {
        DnMailer: iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: roleStatements(iamScope) }),
      },
    });
  }
}

/** The two subjects the workflow's jobs present. */
export function githubSubjects(settings: StackSettings): string[] {
  const repo = `repo:${settings.githubRepository}`;
  return [
    `${repo}:ref:refs/heads/${settings.githubBranch}`,
    `${repo}:environment:${settings.githubEnvironment}`,
  ];
}

/**
 * The statements the role gets. Without an inbound-mail bucket the stack's receipt rule carries the mail's text in
 * the notification, so `s3:GetObject` (which would otherwise be on every bucket) is left out.
 */
export function roleStatements(iamScope: IamScope): Statement[] {
  return buildIamStatements(iamScope).filter(
    (s) => s.Sid !== 'InboundMail' || iamScope.inboundMailArns.length > 0,
  );
}
