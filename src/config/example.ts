import { stringify } from 'yaml';
import { z } from 'zod';
import { createConfigSchema } from './schema.js';

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  sample?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

const HEADER = `# .distronationrc — dn-mailer configuration (YAML or JSON). Generated from src/config/schema.ts by
# \`npm run docs:config\`; every key is listed with its meaning and default.
# Precedence: flags > environment (DN_MAILER_SECTION__KEY, e.g. DN_MAILER_USERS__KORRECT__BASE_URL) > this file
# > defaults. Relative paths resolve against this file's folder. Secrets are never written here: a secret is a
# reference { env: NAME }, { file: path } or { secret: secrets-manager-name, key: json-field }.
# AWS credentials, region and endpoints come from the SDK's standard chain (AWS_PROFILE, AWS_REGION,
# AWS_ENDPOINT_URL_S3, ...), never from this file.
`;

let jsonSchema: JsonSchema | undefined;

/** The config schema as JSON Schema (input side): descriptions, defaults and samples of every key. */
function configJsonSchema(): JsonSchema {
  jsonSchema ??= z.toJSONSchema(createConfigSchema(), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return jsonSchema;
}

/**
 * A key's description, default and sample value as the schema documents them, e.g.
 * `schemaEntry('links.expiresInDays')`.
 */
export function schemaEntry(key: string): { description?: string; default?: unknown; sample?: unknown } {
  let entry: JsonSchema | undefined = configJsonSchema();
  for (const part of key.split('.')) entry = entry?.properties?.[part];
  if (!entry) throw new Error(`${key} is not a key of the config schema`);
  return {
    description: entry.description,
    default: structuredClone(entry.default),
    sample: structuredClone(entry.sample),
  };
}

/** `.distronationrc.example`, generated from the one schema so the docs cannot drift from the code. */
export function renderConfigExample(): string {
  const schema = configJsonSchema();
  const lines = renderProperties(schema, 0).filter((line, i, all) => !(line === '' && all[i - 1] === ''));
  return `${HEADER}\n${lines.join('\n').trim()}\n`;
}

function renderProperties(schema: JsonSchema, depth: number): string[] {
  const indent = '  '.repeat(depth);
  const lines: string[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (key === '$schema') continue;
    if (depth === 0) lines.push('');
    for (const comment of describe(property)) lines.push(`${indent}# ${comment}`);
    const value = property.sample ?? property.default;
    if (property.sample === undefined && property.properties) {
      lines.push(`${indent}${key}:`, ...renderProperties(property, depth + 1));
    } else if (value !== undefined) lines.push(...renderValue(key, value, indent));
    else lines.push(...renderValue(key, placeholder(property), `${indent}# `));
  }
  return lines;
}

function describe(property: JsonSchema): string[] {
  const parts: string[] = [];
  if (property.description) parts.push(property.description);
  if (property.enum) parts.push(`one of: ${property.enum.join(', ')}`);
  const hasDefault = property.default !== undefined && !isEmpty(property.default) && !property.properties;
  if (hasDefault && property.sample !== undefined) parts.push(`default: ${JSON.stringify(property.default)}`);
  return parts;
}

function renderValue(key: string, value: unknown, indent: string): string[] {
  const isBlock = Array.isArray(value) ? value.some((v) => typeof v === 'object') : false;
  if (!isBlock)
    return [`${indent}${key}: ${stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim()}`];
  const body = stringify(value).trimEnd().split('\n');
  return [`${indent}${key}:`, ...body.map((line) => `${indent}  ${line}`)];
}

function placeholder(property: JsonSchema): unknown {
  if (property.enum) return property.enum[0];
  if (property.type === 'boolean') return false;
  if (property.type === 'number' || property.type === 'integer') return 0;
  return '…';
}

function isEmpty(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
  );
}
