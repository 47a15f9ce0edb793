import { Argument, type Command } from 'commander';
import { ExitCode } from '../../core/common/errors.js';
import { COMPLETION_SHELLS, type CompletionShell, renderCompletionScript } from '../completion-scripts.js';
import type { CommandRuntime } from '../runtime.js';

/** `completion bash|zsh|fish`: prints a script generated from the program itself, so it never drifts. */
export function registerCompletion(program: Command, runtime: CommandRuntime): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish); needs no config')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(COMPLETION_SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  $ echo 'source <(dn-mailer completion bash)' >> ~/.bashrc
  $ dn-mailer completion zsh > "\${fpath[1]}/_dn-mailer"
  $ dn-mailer completion fish > ~/.config/fish/completions/dn-mailer.fish`,
    )
    .action(
      runtime.handle(async (shell: CompletionShell) => {
        runtime.io.stdout.write(renderCompletionScript(program, shell));
        return ExitCode.ok;
      }),
    );
}
