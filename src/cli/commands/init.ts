import path from 'node:path';
import { input } from '@inquirer/prompts';
import type { Command } from 'commander';
import { type AwsAnswers, awsConfigFile, localWorkspaceFiles } from '../../config/workspace-files.js';
import { CancelledError, ExitCode, UsageError } from '../../core/common/errors.js';
import { monthName, previousMonth } from '../../core/common/months.js';
import type { CliIO, GlobalOptions } from '../io.js';
import type { CommandRuntime } from '../runtime.js';

interface InitOptions {
  dir?: string;
}

export function registerInit(program: Command, runtime: CommandRuntime): void {
  program
    .command('init')
    .description('write a commented .distronationrc (asks); --backend local makes a ready local workspace')
    .option('--dir <folder>', 'where to write (default: the current folder); nothing is ever overwritten')
    .addHelpText(
      'after',
      `
Examples:
  $ dn-mailer init --backend local --dir my-workspace     # config, fresh keys, a sample month
  $ dn-mailer init --backend aws                           # asks for the Korrect URL, bucket, CloudFront, SES, tables`,
    )
    .action(
      runtime.handle(async (options: InitOptions, command: Command) => {
        const { io } = runtime;
        const globals = command.optsWithGlobals<GlobalOptions>();
        const dir = path.resolve(io.cwd, options.dir ?? '.');
        const today = io.now();
        const backend = globals.backend ?? 'local';
        const files =
          backend === 'local'
            ? localWorkspaceFiles(runtime.workspace.generateLocalKeys(), previousMonth(today), today)
            : [awsConfigFile(await askAws(io), today)];
        const written = await runtime.workspace.write(dir, files);
        const config = path.join(dir, '.distronationrc.yaml');
        const period = previousMonth(today);
        const next =
          backend === 'local'
            ? `dn-mailer send-report --month ${monthName(period.month)} --year ${period.year} --dry-run --config ${config}`
            : `dn-mailer doctor --config ${config}`;
        if (globals.json)
          io.stdout.write(`${JSON.stringify({ backend, dir, files: written, next }, null, 2)}\n`);
        else io.stdout.write(`✔ wrote ${written.length} files into ${dir}\nNext: ${next}\n`);
        return ExitCode.ok;
      }),
    );
}

const QUESTIONS: readonly [keyof AwsAnswers, string, string][] = [
  ['korrectBaseUrl', 'Korrect API base URL', 'https://api.example.com/staging'],
  ['korrectKeySecret', 'Secrets Manager name of the Korrect API key', 'dn-mailer/korrect-api-key'],
  ['bucket', 'S3 bucket with the reports', 'distro-nation-reports'],
  ['cloudFrontUrl', 'CloudFront distribution URL', 'https://d111111abcdef8.cloudfront.net'],
  ['keyPairId', 'CloudFront public key ID', 'K2JCJMDEHXQW5F'],
  ['privateKeySecret', 'Secrets Manager name of the CloudFront private key', 'cloudfront-private-key'],
  ['from', 'Sender (a verified SES identity)', 'Distro Nation <reports@distro-nation.com>'],
  ['configurationSet', 'SES configuration set', 'financial-reports'],
  ['contactList', 'SES contact list', 'distro-nation'],
  ['ledgerTable', 'DynamoDB ledger table', 'dn-mailer-ledger'],
  ['trackingTable', 'DynamoDB tracking table', 'financial-campaign-tracking'],
  ['auditTable', 'DynamoDB audit table', 'dn-mailer-audit'],
  ['unsubscribeUrl', 'Public URL of the unsubscribe endpoint', 'https://mail.distro-nation.com/unsubscribe'],
  ['tokenKeySecret', 'Secrets Manager name of the unsubscribe token key', 'dn-mailer/unsubscribe-token-key'],
];

async function askAws(io: CliIO): Promise<AwsAnswers> {
  if (!io.interactive) {
    throw new UsageError('dn-mailer init --backend aws asks questions: run it in a terminal', {
      hint: 'or copy .distronationrc.example and edit it',
    });
  }
  const answers: Partial<AwsAnswers> = {};
  try {
    for (const [key, message, example] of QUESTIONS) {
      answers[key] = await input({ message, default: example, required: true }, { output: io.stderr });
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError')
      throw new CancelledError('cancelled: nothing written');
    throw error;
  }
  return answers as AwsAnswers;
}
