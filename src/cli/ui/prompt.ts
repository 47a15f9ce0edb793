import { CancelledError, UsageError } from '../../core/common/errors.js';
import type { CliIO } from '../io.js';

export interface ConfirmOptions {
  /** Said when the answer is no or the prompt is closed (Ctrl-C): what did not happen. */
  cancelled: string;
  /** How to go on without a terminal. */
  hint?: string;
}

/**
 * Asks a yes/no question on the terminal and returns true on yes. No, or a closed prompt, is one error:
 * `CancelledError` (exit 130, a JSON error document with --json). Without a terminal (CI, pipes) nothing is ever
 * asked: the caller must have passed --yes, or the run stops with a usage error (exit 2).
 */
export async function askToConfirm(
  io: CliIO,
  question: string,
  yes: boolean,
  options: ConfirmOptions,
): Promise<true> {
  if (yes) return true;
  if (!io.interactive) {
    throw new UsageError('refusing to go on without confirmation: no terminal to ask on', {
      hint: options.hint ?? 'add --yes to send from CI or a script (rehearse first with --dry-run)',
    });
  }
  let answer: boolean;
  try {
    // Loaded when a person is asked, not with every run (CI never is).
    const { confirm } = await import('@inquirer/prompts');
    answer = await confirm({ message: question, default: false }, { output: io.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError')
      throw new CancelledError(options.cancelled);
    throw error;
  }
  if (!answer) throw new CancelledError(options.cancelled);
  return true;
}
