import { CONTROL_CHARACTERS } from '../../core/common/control-characters.js';

/** What a control character in a data value becomes on the terminal: visible, and inert. */
const REPLACEMENT = '\uFFFD';

/**
 * A DATA value (a custom ID, a name, an S3 key, a provider's reason, an error message quoting input) made safe to
 * print on a terminal: every control character but newline and tab — ESC and the rest of C0, DEL, C1, and the
 * bidirectional overrides and isolates — becomes U+FFFD, so a value cannot move the cursor, clear the screen,
 * retitle the window or reorder what the operator reads. Apply it to the values, before colouring: the program's
 * own colour codes are not data. JSON output needs none of this (JSON.stringify escapes control characters).
 */
export function printable(value: string): string {
  return value.replace(CONTROL_CHARACTERS, (character) =>
    character === '\n' || character === '\t' ? character : REPLACEMENT,
  );
}
