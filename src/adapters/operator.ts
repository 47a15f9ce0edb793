import { userInfo } from 'node:os';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Env } from '../config/load.js';

export interface WhoAmIDeps {
  env: Env;
  /** Given on the aws backend: the operator is the caller identity of the SDK's credential chain. */
  stsClient?: () => STSClient;
  /** For tests (default `os.userInfo`). */
  userInfo?: () => { username: string };
  /** How long GetCallerIdentity may take before the OS user is used instead (default 5 s). */
  timeoutMs?: number;
}

/**
 * Who makes a change, for the audit trail. On the aws backend: the ARN of the STS caller identity
 * (`arn:aws:sts::123456789012:assumed-role/finance/alice`). When STS cannot answer, the OS user with a note saying
 * so (`alice (OS user; AWS identity unavailable: CredentialsProviderError)`): the change itself already went
 * through, and an audit row with a weaker actor beats none. On the local backend: the OS user.
 */
export async function whoAmI(deps: WhoAmIDeps): Promise<string> {
  const user = osUser(deps);
  if (!deps.stsClient) return user;
  // Loaded here, not at the top: the local backend never asks STS (and never loads the AWS SDK). Outside the try:
  // an SDK that does not load is a broken install, not an identity STS could not tell.
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  try {
    const identity = await deps
      .stsClient()
      .send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(deps.timeoutMs ?? 5_000) });
    if (identity.Arn) return identity.Arn;
    return `${user} (OS user; STS returned no ARN)`;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return `${user} (OS user; AWS identity unavailable: ${name})`;
  }
}

/** `os.userInfo()` throws when the uid has no passwd entry (some containers): then the usual variables. */
function osUser(deps: WhoAmIDeps): string {
  try {
    const name = (deps.userInfo ?? userInfo)().username;
    if (name) return name;
  } catch {
    // fall through to the environment
  }
  return deps.env.USER || deps.env.LOGNAME || deps.env.USERNAME || 'unknown OS user';
}
