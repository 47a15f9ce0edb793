import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DnMailerError } from '../core/common/errors.js';
import { awsResourcesNeeded } from './init-answers.js';
import { loadConfig } from './load.js';
import type { Config } from './schema.js';
import { backendProblems, requireCampaignConfig } from './validate.js';
import type { AwsAnswers } from './workspace-files.js';

/** One check `init` runs on what it wrote: the ones `doctor` runs that need no network. */
export interface WorkspaceCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface WorkspaceCheckReport {
  checks: WorkspaceCheck[];
  /** What must still be done or created before `doctor` passes. */
  missing: string[];
}

/**
 * Reads the config just written with the real loader (as `doctor` and every command will), checks it can run a
 * campaign on its backend, and for local reads the key files; for aws lists the resources that must exist.
 */
export async function checkWrittenWorkspace(
  configPath: string,
  answers: AwsAnswers | undefined,
): Promise<WorkspaceCheckReport> {
  let config: Config;
  try {
    ({ config } = await loadConfig({ cwd: path.dirname(configPath), configPath, env: {} }));
  } catch (error) {
    if (!(error instanceof DnMailerError)) throw error;
    const detail = [error.message, ...error.details].join(' ');
    return { checks: [{ name: 'config', ok: false, detail }], missing: ['a valid config'] };
  }
  const checks: WorkspaceCheck[] = [
    { name: 'config', ok: true, detail: `${configPath} is valid` },
    checkComplete(config),
  ];
  if (config.backend === 'local') {
    checks.push(...(await checkKeyFiles(config)));
    return { checks, missing: checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`) };
  }
  const missing = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  return { checks, missing: [...missing, ...(answers ? awsResourcesNeeded(answers) : [])] };
}

function checkComplete(config: Config): WorkspaceCheck {
  const problems = (['reports', 'sending', 'contacts'] as const).flatMap((use) =>
    backendProblems(config, use),
  );
  try {
    requireCampaignConfig(config);
  } catch (error) {
    if (!(error instanceof DnMailerError)) throw error;
    problems.push(...error.details);
  }
  return problems.length === 0
    ? { name: 'complete', ok: true, detail: `every key a send needs on the ${config.backend} backend is set` }
    : { name: 'complete', ok: false, detail: problems.join('; ') };
}

async function checkKeyFiles(config: Config): Promise<WorkspaceCheck[]> {
  const files = [
    { name: 'signing key', file: config.links?.privateKey.file, pem: true },
    { name: 'token key', file: config.unsubscribe.tokenKey?.file, pem: false },
  ];
  return Promise.all(files.flatMap(({ name, file, pem }) => (file ? [checkKeyFile(name, file, pem)] : [])));
}

async function checkKeyFile(name: string, file: string, pem: boolean): Promise<WorkspaceCheck> {
  try {
    const content = await readFile(file, 'utf8');
    if (content.trim() === '') return { name, ok: false, detail: `${file} is empty` };
    if (pem) createPrivateKey(content);
    return { name, ok: true, detail: `${file} is readable${pem ? ' (a private key)' : ''}` };
  } catch (error) {
    return { name, ok: false, detail: `${file}: ${(error as Error).message}` };
  }
}
