import { confirm } from '@inquirer/prompts';
import { CancelledError, UsageError } from '../../core/common/errors.js';
import type { CliIO } from '../io.js';

/**
 * Asks a yes/no question on the terminal. Without a terminal (CI, pipes) nothing is ever asked: the caller must
 * have passed --yes, or the run stops with a usage error (exit 2).
 */
export async function askToConfirm(
  io: CliIO,
  question: string,
  yes: boolean,
  hint = 'add --yes to send from CI or a script (rehearse first with --dry-run)',
): Promise<boolean> {
  if (yes) return true;
  if (!io.interactive) {
    throw new UsageError('refusing to go on without confirmation: no terminal to ask on', { hint });
  }
  try {
    return await confirm({ message: question, default: false }, { output: io.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError')
      throw new CancelledError('cancelled at the prompt');
    throw error;
  }
}
