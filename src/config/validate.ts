import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { type Config, createConfigSchema, type ResolvePath } from './schema.js';

/** Validates raw config data and reports every problem at once, each with its dotted path. */
export function validateConfig(raw: unknown, resolvePath: ResolvePath, source: string): Config {
  const result = createConfigSchema(resolvePath).safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap(describeIssue);
  throw new ConfigError(`${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`, {
    details: problems,
    hint: 'every key is documented in .distronationrc.example',
  });
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${path ? `${path}.` : ''}${key}: unknown key`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return [`${path}: required`];
  return [`${path || '(top level)'}: ${issue.message}`];
}
