import { type AwsQuestion, checkAwsAnswer, missingAwsFlags } from '../../config/init-answers.js';
import type { AwsAnswers } from '../../config/workspace-files.js';
import { CancelledError, UsageError } from '../../core/common/errors.js';
import type { CliIO } from '../io.js';

export type AnswerFlags = Partial<Record<keyof AwsAnswers, string>>;

/**
 * The answers to `questions`, from the flags and (on a terminal) the prompts, each checked as the schema checks it;
 * no example is ever a default. Without a terminal every flag must be given (`command` names the invocation in that
 * message). Throws before anything is written; the caller checks the whole config they make.
 */
export async function collectAnswers(
  io: CliIO,
  questions: readonly AwsQuestion[],
  given: AnswerFlags,
  command: string,
): Promise<AnswerFlags> {
  const wrong = questions.flatMap((question) => {
    const value = given[question.key];
    const problem = value === undefined ? undefined : checkAwsAnswer(question, value);
    return problem ? [`--${question.flag}: ${problem}`] : [];
  });
  if (wrong.length > 0) throw invalidAnswers(wrong);
  const missing = missingAwsFlags(given, questions);
  if (missing.length > 0 && !io.interactive) {
    throw new UsageError(
      `${command} without a terminal needs every answer as a flag; missing ${missing.length}:`,
      {
        details: missing,
        hint: 'give every flag (dn-mailer init --help lists them), or run it in a terminal to be asked',
      },
    );
  }
  const answers: AnswerFlags = {};
  for (const question of questions) {
    answers[question.key] = (given[question.key] ?? (await ask(io, question))).trim();
  }
  return answers;
}

export function invalidAnswers(problems: readonly string[]): UsageError {
  return new UsageError(`init: ${problems.length} answer(s) cannot go into the config (nothing written):`, {
    details: problems,
    hint: 'give your own values: the examples in dn-mailer init --help are not real resources',
  });
}

async function ask(io: CliIO, question: AwsQuestion): Promise<string> {
  try {
    const { input } = await import('@inquirer/prompts');
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
