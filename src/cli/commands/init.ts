import path from 'node:path';
import type { Command } from 'commander';
import { AWS_QUESTIONS, checkAwsAnswers } from '../../config/init-answers.js';
import { checkWrittenWorkspace, type WorkspaceCheckReport } from '../../config/workspace-checks.js';
import { type AwsAnswers, awsConfigFile, localWorkspaceFiles } from '../../config/workspace-files.js';
import { ExitCode, UsageError } from '../../core/common/errors.js';
import { monthName, previousMonth } from '../../core/common/months.js';
import type { CliIO, GlobalOptions } from '../io.js';
import type { CommandRuntime } from '../runtime.js';
import { type AnswerFlags, collectAnswers, invalidAnswers } from './init-prompts.js';
import {
  planStackWorkspace,
  renderRepositoryVariables,
  renderStackFields,
  type StackWorkspace,
  stackJson,
} from './init-stack.js';

interface InitOptions {
  dir?: string;
  fromStack?: string;
  stack?: string;
  [flag: string]: string | undefined;
}

export function registerInit(program: Command, runtime: CommandRuntime): void {
  const command = program
    .command('init')
    .description(
      'write a commented .distronationrc (asks, or takes flags); --backend local makes a ready workspace',
    )
    .option(
      '--dir <folder>',
      'where to write (default: the current folder); nothing is ever overwritten or written through a symlink',
    )
    .option(
      '--from-stack <outputs.json>',
      'aws: take the tables, queue, SES names, KMS key and unsubscribe endpoint from the stack infra/ deployed (cdk deploy --outputs-file, or aws cloudformation describe-stacks JSON); asks only for the rest',
    )
    .option('--stack <name>', 'with --from-stack: the stack to read when the file holds several');
  for (const question of AWS_QUESTIONS) {
    command.option(`--${question.flag} <value>`, `aws: ${question.message} (e.g. ${question.example})`);
  }
  command
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer init --backend local --dir my-workspace     # config, fresh keys, a sample month
  $ dn-mailer init --backend aws                           # asks for what no flag gave (Korrect, S3, CloudFront, SES, tables)
  $ dn-mailer init --backend aws --korrect-url https://… --bucket … --token-key-secret …   # unattended: every flag
  $ dn-mailer init --from-stack infra/outputs.json        # after cd infra && npx cdk deploy --outputs-file outputs.json
  $ aws cloudformation describe-stacks --stack-name DnMailer > stack.json && dn-mailer init --from-stack stack.json \\
      --korrect-url https://… --korrect-key-secret … --bucket … --cloudfront-url https://… --key-pair-id … \\
      --private-key-secret … --from "Finance <reports@…>"                           # unattended: the 7 answers the stack lacks`,
    )
    .action(
      runtime.handle(async (options: InitOptions, command: Command) => {
        const { io } = runtime;
        const globals = command.optsWithGlobals<GlobalOptions>();
        const dir = path.resolve(io.cwd, options.dir ?? '.');
        const today = io.now();
        const given = answerFlags(options);
        const backend = chooseBackend(globals.backend, options);
        const stack =
          options.fromStack === undefined
            ? undefined
            : await planStackWorkspace(io, options.fromStack, options.stack, given);
        const answers = backend === 'aws' && !stack ? await collectAwsAnswers(io, given) : undefined;
        if (backend === 'local') refuseAnswers(given);
        const files =
          stack?.files ??
          (answers
            ? [awsConfigFile(answers, today)]
            : localWorkspaceFiles(runtime.workspace.generateLocalKeys(), previousMonth(today), today));
        const written = await runtime.workspace.write(dir, files);
        const config = path.join(dir, '.distronationrc.yaml');
        const report = await checkWrittenWorkspace(config, answers);
        if (stack && report.checks[0]?.ok) report.missing.push(...stack.needed);
        const period = previousMonth(today);
        const next =
          backend === 'local'
            ? `dn-mailer send-report --month ${monthName(period.month)} --year ${period.year} --dry-run --config ${shellWord(config)}`
            : `dn-mailer doctor --config ${shellWord(config)}`;
        if (globals.json) {
          const json = { backend, dir, files: written, next, checks: report.checks, missing: report.missing };
          io.stdout.write(`${JSON.stringify(stack ? { ...json, ...stackJson(stack) } : json, null, 2)}\n`);
        } else io.stdout.write(renderInit(written.length, dir, report, next, stack));
        return ExitCode.ok;
      }),
    );
}

function renderInit(
  count: number,
  dir: string,
  report: WorkspaceCheckReport,
  next: string,
  stack: StackWorkspace | undefined,
): string {
  const lines = stack ? renderStackFields(stack) : [];
  lines.push(`✔ wrote ${count} ${count === 1 ? 'file' : 'files'} into ${dir}`);
  for (const check of report.checks) lines.push(`${check.ok ? '✔' : '✘'} ${check.name}: ${check.detail}`);
  if (report.missing.length > 0) {
    lines.push('Still missing (init cannot check these; doctor does):');
    lines.push(...report.missing.map((item) => `  - ${item}`));
  }
  if (stack) lines.push(...renderRepositoryVariables(stack));
  lines.push(`Next: ${next}`);
  return `${lines.join('\n')}\n`;
}

/** The answers given as flags (`--korrect-url` → korrectBaseUrl). */
function answerFlags(options: InitOptions): AnswerFlags {
  const given: AnswerFlags = {};
  for (const question of AWS_QUESTIONS) {
    const value = options[camelCase(question.flag)];
    if (value !== undefined) given[question.key] = value;
  }
  return given;
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** `--from-stack` writes an aws workspace: `--backend local` with it is a contradiction, `--stack` without it a slip. */
function chooseBackend(backend: GlobalOptions['backend'], options: InitOptions): string {
  if (options.fromStack === undefined) {
    if (options.stack !== undefined)
      throw new UsageError('--stack is for --from-stack', {
        hint: 'dn-mailer init --from-stack outputs.json --stack <name>',
      });
    return backend ?? 'local';
  }
  if (backend === 'local') {
    throw new UsageError('--from-stack writes an aws workspace, not --backend local', {
      hint: 'drop --backend local (or give --backend aws)',
    });
  }
  return 'aws';
}

/** The local workspace takes no answers: a flag of the aws questions is a mistake, not something to ignore. */
function refuseAnswers(given: AnswerFlags): void {
  const flags = AWS_QUESTIONS.filter((q) => given[q.key] !== undefined).map((q) => `--${q.flag}`);
  if (flags.length > 0) {
    throw new UsageError(`${flags.join(', ')} ${flags.length === 1 ? 'is' : 'are'} for --backend aws`, {
      hint: 'dn-mailer init --backend aws …, or drop them for a local workspace',
    });
  }
}

/** Every answer of `init --backend aws` (flags, or prompts on a terminal), then the config they make, checked. */
async function collectAwsAnswers(io: CliIO, given: AnswerFlags): Promise<AwsAnswers> {
  const answers = (await collectAnswers(io, AWS_QUESTIONS, given, 'init --backend aws')) as AwsAnswers;
  const problems = checkAwsAnswers(answers);
  if (problems.length > 0) throw invalidAnswers(problems);
  return answers;
}

/** A path as one shell word, so the printed "Next:" command works as printed even with spaces or quotes in it. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
