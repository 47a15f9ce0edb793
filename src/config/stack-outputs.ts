import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../core/common/errors.js';

/** The outputs of the stack `infra/` deploys that the config needs (CloudFormation Output logical IDs). */
export const REQUIRED_STACK_OUTPUTS = [
  'Region',
  'ConfigurationSetName',
  'LedgerTableName',
  'TrackingTableName',
  'SuppressionTableName',
  'AuditTableName',
  'EventQueueUrl',
  'UnsubscribeUrl',
  'KmsKeyId',
  'ContactListName',
  'TopicName',
] as const;

/** Outputs read when present: no inbound address configured, or not part of the config. */
export const OPTIONAL_STACK_OUTPUTS = ['UnsubscribeAddress', 'DeadLetterQueueUrl', 'GitHubRoleArn'] as const;

export type RequiredStackOutput = (typeof REQUIRED_STACK_OUTPUTS)[number];
export type OptionalStackOutput = (typeof OPTIONAL_STACK_OUTPUTS)[number];
export type StackOutputKey = RequiredStackOutput | OptionalStackOutput;

/** The shapes of an outputs file: `cdk deploy --outputs-file`, or `aws cloudformation describe-stacks`. */
export type StackOutputsFormat = 'cdk-outputs' | 'describe-stacks';

export interface StackOutputs {
  stackName: string;
  format: StackOutputsFormat;
  values: Record<RequiredStackOutput, string> & Partial<Record<OptionalStackOutput, string>>;
}

interface StackInFile {
  name: string;
  status?: string;
  outputs: Record<string, string>;
}

const KNOWN: readonly string[] = [...REQUIRED_STACK_OUTPUTS, ...OPTIONAL_STACK_OUTPUTS];
const FILE_HINT =
  'give the file `cdk deploy --outputs-file outputs.json` wrote (in infra/), or the output of `aws cloudformation describe-stacks --stack-name DnMailer`';

/**
 * Reads an outputs file (`shown` is the path as the operator typed it) and picks dn-mailer's stack in it: `stack`
 * when given, else the only stack, else the only one holding dn-mailer's outputs. Throws naming the file and, when
 * outputs are missing, every missing key.
 */
export async function readStackOutputs(file: string, shown: string, stack?: string): Promise<StackOutputs> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new UsageError(`--from-stack: ${shown} does not exist`, { hint: FILE_HINT });
    throw new InputError(`--from-stack: cannot read ${shown}: ${(error as Error).message}`, {
      cause: error,
      hint: code === 'EISDIR' ? 'give the file itself, not its folder' : 'check the file and its permissions',
    });
  }
  return parseStackOutputs(text, shown, stack);
}

/** The outputs of one stack from the text of an outputs file (see `readStackOutputs`). */
export function parseStackOutputs(text: string, shown: string, stack?: string): StackOutputs {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InputError(`--from-stack: ${shown} is not valid JSON: ${(error as Error).message}`, {
      hint: FILE_HINT,
    });
  }
  const format: StackOutputsFormat = isRecord(json) && 'Stacks' in json ? 'describe-stacks' : 'cdk-outputs';
  const stacks = format === 'describe-stacks' ? describedStacks(json, shown) : cdkStacks(json, shown);
  const chosen = chooseStack(stacks, shown, stack);
  return { stackName: chosen.name, format, values: requireOutputs(chosen, shown) };
}

/** `aws cloudformation describe-stacks`: `{ Stacks: [ { StackName, Outputs: [ { OutputKey, OutputValue } ] } ] }`. */
function describedStacks(json: unknown, shown: string): StackInFile[] {
  const list = isRecord(json) ? json.Stacks : undefined;
  if (!Array.isArray(list)) throw notOutputs(shown, 'its "Stacks" is not a list');
  return list.map((entry, index) => {
    if (!isRecord(entry) || typeof entry.StackName !== 'string')
      throw notOutputs(shown, `Stacks[${index}] has no StackName`);
    const outputs: Record<string, string> = {};
    for (const output of Array.isArray(entry.Outputs) ? entry.Outputs : []) {
      if (isRecord(output) && typeof output.OutputKey === 'string' && typeof output.OutputValue === 'string')
        outputs[output.OutputKey] = output.OutputValue;
    }
    const status = typeof entry.StackStatus === 'string' ? entry.StackStatus : undefined;
    return { name: entry.StackName, outputs, ...(status ? { status } : {}) };
  });
}

/** `cdk deploy --outputs-file`: `{ "<StackName>": { "<OutputKey>": "<value>" } }`. */
function cdkStacks(json: unknown, shown: string): StackInFile[] {
  if (!isRecord(json)) throw notOutputs(shown, 'it holds no object');
  return Object.entries(json).map(([name, outputs]) => {
    if (!isRecord(outputs)) throw notOutputs(shown, `${JSON.stringify(name)} is not an object of outputs`);
    const strings = Object.entries(outputs).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    );
    return { name, outputs: Object.fromEntries(strings) };
  });
}

function chooseStack(stacks: StackInFile[], shown: string, wanted: string | undefined): StackInFile {
  const names = stacks.map((s) => s.name);
  if (wanted !== undefined) {
    const found = stacks.find((s) => s.name === wanted);
    if (found) return found;
    throw new UsageError(`--stack ${wanted}: ${shown} holds no stack of that name`, {
      details: names.length > 0 ? names.map((name) => `stack ${name}`) : [`${shown} holds no stack`],
      hint: 'give one of the names listed',
    });
  }
  const [only] = stacks;
  if (only && stacks.length === 1) return only;
  if (!only) throw notOutputs(shown, 'it holds no stack');
  const ours = stacks.filter((s) => Object.keys(s.outputs).some((key) => KNOWN.includes(key)));
  const [one] = ours;
  if (one && ours.length === 1) return one;
  if (ours.length === 0) {
    throw new InputError(
      `--from-stack: none of the ${stacks.length} stacks in ${shown} has dn-mailer's outputs`,
      {
        details: names.map((name) => `stack ${name}`),
        hint: `deploy infra/ first; its stack has the outputs ${REQUIRED_STACK_OUTPUTS.join(', ')}`,
      },
    );
  }
  throw new UsageError(
    `--from-stack: ${shown} holds ${ours.length} stacks with dn-mailer's outputs; choose one`,
    {
      details: ours.map((s) => `stack ${s.name}`),
      hint: `add --stack <name>, e.g. --stack ${ours[0]?.name}`,
    },
  );
}

function requireOutputs(stack: StackInFile, shown: string): StackOutputs['values'] {
  const present = (key: string) => (stack.outputs[key]?.trim() ?? '') !== '';
  const missing = REQUIRED_STACK_OUTPUTS.filter((key) => !present(key));
  if (missing.length > 0) {
    // A stack that failed or is still deploying lacks outputs for that reason: say so.
    const settled = /^(CREATE|UPDATE|IMPORT)_COMPLETE$/.test(stack.status ?? 'CREATE_COMPLETE');
    const status = settled ? '' : ` (stack status ${stack.status})`;
    throw new InputError(
      `--from-stack: stack ${stack.name} in ${shown} lacks ${missing.length} output(s) dn-mailer needs${status} (nothing written):`,
      {
        details: missing,
        hint: "the stack infra/ deploys has them all: redeploy it (cd infra && npx cdk deploy --outputs-file outputs.json), or give that stack's outputs",
      },
    );
  }
  const values: Record<string, string> = {};
  for (const key of KNOWN) if (present(key)) values[key] = (stack.outputs[key] as string).trim();
  return values as StackOutputs['values'];
}

function notOutputs(shown: string, why: string): InputError {
  return new InputError(`--from-stack: ${shown} is not a stack outputs file: ${why}`, { hint: FILE_HINT });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
