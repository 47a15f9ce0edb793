import type { BackendEntry } from '../backend.js';
import type { Config } from '../config/schema.js';
import { awsBackend } from './aws/entry.js';
import { localBackend } from './local/backend.js';

/**
 * Every backend dn-mailer can run on — the one module `src/cli/` imports from `adapters/`. A new backend (a
 * Postgres ledger, another mail provider) is one factory and one entry here.
 */
export const BACKENDS = {
  local: localBackend,
  aws: awsBackend,
} as const satisfies Record<Config['backend'], BackendEntry>;

export type BackendMap = Record<Config['backend'], BackendEntry>;

/** The IAM policy the aws backend needs for a config (`doctor --iam-policy`), whatever backend the config names. */
export { buildIamPolicy, SCOPED_BY_CONFIG, unscopedStatements } from './aws/iam-policy.js';

/** What `init` writes a new workspace with (no config, so no backend yet). */
export { createWorkspaceWriter } from './local/workspace.js';
