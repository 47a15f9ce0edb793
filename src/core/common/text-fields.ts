import type { z } from 'zod';
import { findControlCharacter } from './control-characters.js';

/**
 * The longest value each kind of text field may hold where rows enter the program (users, payouts). Real values are
 * far shorter; a longer one is a broken export or an attack, and it would end up in an e-mail header (a 200,000-
 * character userName made a 408 KB header) and on the operator's terminal.
 */
export const FIELD_LIMITS = {
  /** A person's or creator's name. */
  name: 200,
  /** A custom ID, contract code or user ID. */
  id: 128,
  /** An e-mail address (RFC 5321: 254 characters at most). */
  email: 254,
  /** A YouTube channel name. */
  channelName: 200,
  /** Any other free text (a status word, a note). */
  text: 500,
} as const;

export type FieldKind = keyof typeof FIELD_LIMITS;

/**
 * Refines a string field of a row: at most `FIELD_LIMITS[kind]` characters, and no control character inside
 * (surrounding whitespace, such as a trailing newline, is trimmed by the readers and allowed). The message names
 * the length or the code point, never the raw character, so reporting it cannot itself steer the terminal.
 */
export function checkTextField(kind: FieldKind) {
  const limit = FIELD_LIMITS[kind];
  return (value: string, ctx: z.RefinementCtx): void => {
    const text = value.trim();
    const length = [...text].length;
    if (length > limit) {
      ctx.addIssue({
        code: 'custom',
        message: `is ${length.toLocaleString('en-US')} characters long; expected at most ${limit} (${DESCRIBED[kind]})`,
      });
      return;
    }
    const control = findControlCharacter(text);
    if (control !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `contains a control character ${control}; expected printable text (${DESCRIBED[kind]})`,
      });
    }
  };
}

const DESCRIBED: Record<FieldKind, string> = {
  name: 'a name',
  id: 'an ID',
  email: 'an e-mail address',
  channelName: 'a channel name',
  text: 'a short text',
};
