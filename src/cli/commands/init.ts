import path from 'node:path';
import { input } from '@inquirer/prompts';
import type { Command } from 'commander';
import {
  AWS_QUESTIONS,
  type AwsQuestion,
  checkAwsAnswer,
  checkAwsAnswers,
  missingAwsFlags,
} from '../../config/init-answers.js';
import { checkWrittenWorkspace, type WorkspaceCheckReport } from '../../config/workspace-checks.js';
import { type AwsAnswers, awsConfigFile, localWorkspaceFiles } from '../../config/workspace-files.js';
import { CancelledError, ExitCode, UsageError } from '../../core/common/errors.js';
import { monthName, previousMonth } from '../../core/common/months.js';
import type { CliIO, GlobalOptions } from '../io.js';
import type { CommandRuntime } from '../runtime.js';

type AnswerFlags = Partial<Record<keyof AwsAnswers, string>>;

interface InitOptions {
  dir?: string;
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
    );
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
  $ dn-mailer init --backend aws --korrect-url https://… --bucket … --token-key-secret …   # unattended: every flag`,
    )
    .action(
      runtime.handle(async (options: InitOptions, command: Command) => {
        const { io } = runtime;
        const globals = command.optsWithGlobals<GlobalOptions>();
        const dir = path.resolve(io.cwd, options.dir ?? '.');
        const today = io.now();
        const backend = globals.backend ?? 'local';
        const given = answerFlags(options);
        const answers = backend === 'aws' ? await collectAwsAnswers(io, given) : refuseAnswers(given);
        const files = answers
          ? [awsConfigFile(answers, today)]
          : localWorkspaceFiles(runtime.workspace.generateLocalKeys(), previousMonth(today), today);
        const written = await runtime.workspace.write(dir, files);
        const config = path.join(dir, '.distronationrc.yaml');
        const report = await checkWrittenWorkspace(config, answers);
        const period = previousMonth(today);
        const next =
          backend === 'local'
            ? `dn-mailer send-report --month ${monthName(period.month)} --year ${period.year} --dry-run --config ${shellWord(config)}`
            : `dn-mailer doctor --config ${shellWord(config)}`;
        if (globals.json) {
          const json = { backend, dir, files: written, next, checks: report.checks, missing: report.missing };
          io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        } else io.stdout.write(renderInit(written.length, dir, report, next));
        return ExitCode.ok;
      }),
    );
}

function renderInit(count: number, dir: string, report: WorkspaceCheckReport, next: string): string {
  const lines = [`✔ wrote ${count} files into ${dir}`];
  for (const check of report.checks) lines.push(`${check.ok ? '✔' : '✘'} ${check.name}: ${check.detail}`);
  if (report.missing.length > 0) {
    lines.push('Still missing (init cannot check these; doctor does):');
    lines.push(...report.missing.map((item) => `  - ${item}`));
  }
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

/** The local workspace takes no answers: a flag of the aws questions is a mistake, not something to ignore. */
function refuseAnswers(given: AnswerFlags): undefined {
  const flags = AWS_QUESTIONS.filter((q) => given[q.key] !== undefined).map((q) => `--${q.flag}`);
  if (flags.length > 0) {
    throw new UsageError(`${flags.join(', ')} ${flags.length === 1 ? 'is' : 'are'} for --backend aws`, {
      hint: 'dn-mailer init --backend aws …, or drop them for a local workspace',
    });
  }
  return undefined;
}

/**
 * Every answer, from the flags and (on a terminal) the prompts, each checked as the schema checks it; no example
 * is ever a default. Without a terminal every flag must be given. Throws before anything is written.
 */
async function collectAwsAnswers(io: CliIO, given: AnswerFlags): Promise<AwsAnswers> {
  const wrong = AWS_QUESTIONS.flatMap((question) => {
    const value = given[question.key];
    const problem = value === undefined ? undefined : checkAwsAnswer(question, value);
    return problem ? [`--${question.flag}: ${problem}`] : [];
  });
  if (wrong.length > 0) throw invalidAnswers(wrong);
  const missing = missingAwsFlags(given);
  if (missing.length > 0 && !io.interactive) {
    throw new UsageError(
      `init --backend aws without a terminal needs every answer as a flag; missing ${missing.length}:`,
      {
        details: missing,
        hint: 'give every flag (dn-mailer init --help lists them), or run it in a terminal to be asked',
      },
    );
  }
  const answers = { ...given };
  for (const question of AWS_QUESTIONS) {
    answers[question.key] ??= await ask(io, question);
  }
  const full = trimAnswers(answers as AwsAnswers);
  const problems = checkAwsAnswers(full);
  if (problems.length > 0) throw invalidAnswers(problems);
  return full;
}

function invalidAnswers(problems: string[]): UsageError {
  return new UsageError(`init: ${problems.length} answer(s) cannot go into the config (nothing written):`, {
    details: problems,
    hint: 'give your own values: the examples in dn-mailer init --help are not real resources',
  });
}

function trimAnswers(answers: AwsAnswers): AwsAnswers {
  const entries = Object.entries(answers).map(([key, value]) => [key, value.trim()]);
  return Object.fromEntries(entries) as AwsAnswers;
}

async function ask(io: CliIO, question: AwsQuestion): Promise<string> {
  try {
    return await input(
      {
        message: `${question.message} (e.g. ${question.example})`,
        required: true,
        validate: (value) => checkAwsAnswer(question, value) ?? true,
      },
      { output: io.stderr },
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError')
      throw new CancelledError('cancelled: nothing written');
    throw error;
  }
}

/** A path as one shell word, so the printed "Next:" command works as printed even with spaces or quotes in it. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
