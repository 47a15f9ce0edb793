import path from 'node:path';
import { AWS_QUESTIONS } from '../../config/init-answers.js';
import {
  checkStackAnswers,
  OPERATOR_QUESTIONS,
  repositoryVariables,
  STACK_ANSWERED,
  type StackField,
  stackConfigFile,
  stackFields,
  stackResourcesNeeded,
} from '../../config/stack-config.js';
import { readStackOutputs, type StackOutputs } from '../../config/stack-outputs.js';
import type { OperatorAnswers, PlannedFile } from '../../config/workspace-files.js';
import { UsageError } from '../../core/common/errors.js';
import type { CliIO } from '../io.js';
import { type AnswerFlags, collectAnswers, invalidAnswers } from './init-prompts.js';

/** What `init --from-stack` read and will write. */
export interface StackWorkspace {
  stack: StackOutputs;
  /** The outputs file as typed. */
  file: string;
  files: PlannedFile[];
  /** What must exist before doctor passes that the stack does not create. */
  needed: string[];
}

/**
 * The aws config from the stack's outputs file and the operator's answers (flags, or prompts on a terminal) for
 * what the stack does not know. Throws before anything is written: a flag the stack answers, a bad outputs file,
 * a missing flag without a terminal, or a config the schema refuses.
 */
export async function planStackWorkspace(
  io: CliIO,
  file: string,
  stackName: string | undefined,
  given: AnswerFlags,
): Promise<StackWorkspace> {
  refuseStackAnswered(given);
  const stack = await readStackOutputs(path.resolve(io.cwd, file), file, stackName);
  const answers = (await collectAnswers(
    io,
    OPERATOR_QUESTIONS,
    given,
    'init --from-stack',
  )) as OperatorAnswers;
  const tokenKeySecret = given.tokenKeySecret?.trim();
  const problems = checkStackAnswers(answers, stack, tokenKeySecret);
  if (problems.length > 0) throw invalidAnswers(problems);
  return {
    stack,
    file,
    files: [stackConfigFile(answers, stack, io.now(), tokenKeySecret)],
    needed: stackResourcesNeeded(answers, tokenKeySecret),
  };
}

/** A flag the stack answers would be silently beaten by one of them: refused, naming the output that answers it. */
function refuseStackAnswered(given: AnswerFlags): void {
  const taken = AWS_QUESTIONS.flatMap((question) => {
    const output = STACK_ANSWERED[question.key];
    return output && given[question.key] !== undefined ? [`--${question.flag} (the stack's ${output})`] : [];
  });
  if (taken.length === 0) return;
  throw new UsageError(`--from-stack answers ${taken.length === 1 ? 'this flag' : 'these flags'} itself:`, {
    details: taken,
    hint: 'drop them (the stack is the one place these names are set), or use init --backend aws without --from-stack',
  });
}

/** The JSON of what was taken from the stack (added to `init --json` under `stack` and `repositoryVariables`). */
export function stackJson(workspace: StackWorkspace) {
  const { stack, file } = workspace;
  return {
    stack: {
      name: stack.stackName,
      file,
      format: stack.format,
      // An output with no config key says where it goes instead (`use`).
      outputs: stackFields(stack).map(({ output, field, use, value }) =>
        field ? { output, field, value } : { output, field: null, use, value },
      ),
    },
    repositoryVariables: repositoryVariables(stack),
  };
}

/** The lines saying what came from the stack: each output → its config key and value. */
export function renderStackFields(workspace: StackWorkspace): string[] {
  const { stack, file } = workspace;
  const fields = stackFields(stack);
  const source = stack.format === 'cdk-outputs' ? 'cdk deploy --outputs-file' : 'describe-stacks';
  const width = (pick: (f: StackField) => string) => Math.max(...fields.map((f) => pick(f).length));
  const outputWidth = width((f) => f.output);
  const useWidth = width((f) => f.use);
  return [
    `✔ stack ${stack.stackName} (${file}, ${source}): ${fields.length} outputs`,
    ...fields.map((f) => `  ${f.output.padEnd(outputWidth)} → ${f.use.padEnd(useWidth)}  ${f.value}`),
  ];
}

/** The repository variables the monthly workflow reads (examples/github-actions/monthly-financial-report.yml). */
export function renderRepositoryVariables(workspace: StackWorkspace): string[] {
  const variables = repositoryVariables(workspace.stack);
  const lines = [
    'GitHub Actions: set these repository variables (Settings → Secrets and variables → Actions → Variables):',
    ...Object.entries(variables).map(([name, value]) => `  ${name}=${value}`),
  ];
  if (!variables.DN_MAILER_ROLE_ARN) {
    lines.push(
      '  DN_MAILER_ROLE_ARN: the stack has no GitHubRoleArn output; use a role of your own (docs/ci.md, doctor --iam-policy)',
    );
  }
  return lines;
}
