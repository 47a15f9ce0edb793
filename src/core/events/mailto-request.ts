import { isValidEmail, normalizeEmail } from '../common/email-address.js';
import { MAILTO_SUBJECT_WORD } from '../unsubscribe/unsubscribe-links.js';
import type { InboundNotification } from './delivery-event.js';

/**
 * The shortest text taken for a token: a real one is about 130 characters (never under 71), while words people add
 * after "unsubscribe" ("me", "please", "immediately") are far shorter. A cut-off token longer than this is still
 * read as a token, and refused as damaged, which says more than "no token".
 */
const MIN_TOKEN_CHARS = 40;
const TOKEN_AFTER_WORD = new RegExp(
  `${MAILTO_SUBJECT_WORD}[\\s:=+]*([A-Za-z0-9_-]{${MIN_TOKEN_CHARS},})`,
  'i',
);

/**
 * The unsubscribe token a mailto request's subject carries after the word "unsubscribe", or undefined. Tolerates
 * what mail clients and people do to `?subject=unsubscribe%20TOKEN`: a "Re:" / "Fwd:" prefix, any case, extra
 * spaces, a subject left URL-encoded (once or twice), a `+` for the space.
 */
export function findMailtoToken(subject: string | undefined): string | undefined {
  if (subject === undefined) return undefined;
  let text = subject;
  for (let pass = 0; pass < 2 && /%[0-9A-Fa-f]{2}/.test(text); pass += 1) text = decodePercent(text);
  return TOKEN_AFTER_WORD.exec(text)?.[1];
}

function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray `%` in a person's subject: decode only the well-formed escapes of ASCII characters.
    return text.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}

/** The address inside `Name <a@b>` (or a bare address), lower-cased; undefined when it is not an address. */
export function addressOf(from: string | undefined): string | undefined {
  if (from === undefined) return undefined;
  const inside = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  const address = normalizeEmail(inside);
  return isValidEmail(address) ? address : undefined;
}

/**
 * Why SES's own verdicts do not vouch for the sender, or undefined when they do: SPF or DKIM passed, and the spam
 * and virus checks passed. A missing verdict, GRAY or PROCESSING_FAILED is not a pass.
 */
export function verdictProblem(verdicts: InboundNotification['verdicts']): string | undefined {
  const pass = (status: string) => status.toUpperCase() === 'PASS';
  const problems: string[] = [];
  if (!pass(verdicts.spf) && !pass(verdicts.dkim))
    problems.push(`neither SPF (${verdicts.spf}) nor DKIM (${verdicts.dkim}) passed`);
  if (!pass(verdicts.spam)) problems.push(`spam verdict ${verdicts.spam}`);
  if (!pass(verdicts.virus)) problems.push(`virus verdict ${verdicts.virus}`);
  return problems.length === 0 ? undefined : problems.join(', ');
}
