import { describe, expect, it } from 'vitest';
import { FIELD_LIMITS } from '../../src/core/common/text-fields.js';
import { quoteValue } from '../../src/core/payouts/payout-fields.js';
import { parsePayoutRows } from '../../src/core/payouts/payout-statements.js';
import { selectRecipients } from '../../src/core/recipients/recipients-from-users.js';

// Rows are checked where they enter: a text field too long, or holding a control character, is a problem of that
// row and field (named with the row index, the field and what was expected), and the row is skipped / its ID blocked.

const rules = { excludeEmails: [], customIdAliases: {} };
const user = (
  fields: Record<string, unknown> = {},
  channels: Record<string, unknown>[] = [{ customID: 'A1' }],
) => ({
  userName: 'Name',
  status: 'active',
  emailsUser: 'a@example.com',
  creators: [{ channels }],
  ...fields,
});

describe('user rows: length caps and control characters', () => {
  it('a 200,000-character userName is a clear problem of that row and field; the row is skipped', () => {
    const rows = [user({ emailsUser: 'ok@example.com' }), user({ userName: 'x'.repeat(200_000) })];
    const selection = selectRecipients(rows, rules);
    expect(selection.rowProblems).toEqual([
      {
        index: 1,
        field: 'userName',
        message: 'is 200,000 characters long; expected at most 200 (a name)',
      },
    ]);
    expect(selection.recipients.map((r) => r.email)).toEqual(['ok@example.com']);
  });

  it('an ESC in a name is a problem naming the code point, never the raw character', () => {
    const selection = selectRecipients([user({ userName: 'Dylan\u001b[2J' })], rules);
    expect(selection.rowProblems).toEqual([
      {
        index: 0,
        field: 'userName',
        message: 'contains a control character U+001B; expected printable text (a name)',
      },
    ]);
    expect(selection.recipients).toEqual([]);
    expect(JSON.stringify(selection.rowProblems)).not.toContain('\u001b');
  });

  it.each([
    ['a bidi override in a name', user({ userName: 'evil\u202Egnp.exe' }), 'userName', /U\+202E/],
    ['a C1 control in a name', user({ userName: 'a\u009bb' }), 'userName', /U\+009B/],
    ['DEL in a status', user({ status: 'act\u007five' }), 'status', /U\+007F/],
    ['a newline inside a name', user({ userName: 'Ann\nBcc: x@example.com' }), 'userName', /U\+000A/],
    [
      'a 255-character address',
      user({ emailsUser: `${'a'.repeat(243)}@example.com` }),
      'emailsUser',
      /at most 254/,
    ],
    ['a 501-character status', user({ status: 'a'.repeat(501) }), 'status', /at most 500 \(a short text\)/],
    [
      'a 129-character custom ID',
      user({}, [{ customID: 'A'.repeat(129) }]),
      'creators.0.channels.0.customID',
      /is 129 characters long; expected at most 128 \(an ID\)/,
    ],
    [
      'an ESC in a custom ID',
      user({}, [{ customID: 'A1\u001b]0;x\u0007' }]),
      'creators.0.channels.0.customID',
      /U\+001B/,
    ],
    [
      'a 201-character channel name',
      user({}, [{ customID: 'A1', channelName: 'c'.repeat(201) }]),
      'creators.0.channels.0.channelName',
      /at most 200 \(a channel name\)/,
    ],
    [
      'an isolate in a channel name',
      user({}, [{ customID: 'A1', channelName: 'ch\u2066an' }]),
      'creators.0.channels.0.channelName',
      /U\+2066/,
    ],
  ])('%s: a problem of that field, row skipped', (_what, row, field, message) => {
    const selection = selectRecipients([row], rules);
    expect(selection.rowProblems).toHaveLength(1);
    expect(selection.rowProblems[0]).toMatchObject({ index: 0, field });
    expect(selection.rowProblems[0]?.message).toMatch(message);
    expect(selection.recipients).toEqual([]);
  });

  it('values at the limits pass, and surrounding whitespace (a trailing newline) is trimmed, not refused', () => {
    const name = 'n'.repeat(FIELD_LIMITS.name);
    // 254 characters: a short local part and a long domain of labels under 64 characters each.
    const labels = [
      'd'.repeat(63),
      'e'.repeat(63),
      'f'.repeat(63),
      'g'.repeat(FIELD_LIMITS.email - 2 - 3 * 64 - 4),
    ];
    const email = `a@${labels.join('.')}.com`;
    const id = 'I'.repeat(64);
    const selection = selectRecipients(
      [user({ userName: `${name}\n`, emailsUser: email }, [{ customID: id, channelName: ' Chan \t' }])],
      rules,
    );
    expect(selection.rowProblems).toEqual([]);
    expect(selection.recipients).toMatchObject([{ userName: name, email }]);
  });

  it('a channel name that is not a string is still ignored rather than failing the row', () => {
    const selection = selectRecipients([user({}, [{ customID: 'A1', channelName: 42 }])], rules);
    expect(selection.rowProblems).toEqual([]);
    expect(selection.recipients).toHaveLength(1);
  });
});

describe('payout rows: length caps and control characters', () => {
  const period = { month: 1, year: 2025 };
  const contract = (code: unknown) => ({
    contractCode: code,
    yearPart: 2025,
    monthPart: 1,
    openingBal: 100,
    paymentsAll: -100,
    periodBal: -60,
    totalBal: 40,
  });

  it('a custom ID over 128 characters is an unattributed row problem', () => {
    const parsed = parsePayoutRows([{ customId: 'A'.repeat(129), payout: [contract('C1')] }], period);
    expect(parsed.problems).toEqual([
      { index: 0, field: 'customId', message: 'is 129 characters long; expected at most 128 (an ID)' },
    ]);
    expect(parsed.unattributed).toEqual(parsed.problems);
    expect(parsed.byId.size).toBe(0);
  });

  it('an ESC in a contract code blocks its custom ID, named by code point', () => {
    const parsed = parsePayoutRows([{ customId: 'DYLVN', payout: [contract('C1\u001b[31m')] }], period);
    expect(parsed.problems).toEqual([
      {
        index: 0,
        field: 'payout.0.contractCode',
        message: 'contains a control character U+001B; expected printable text (an ID)',
      },
    ]);
    expect(parsed.blockedIds).toEqual(new Set(['DYLVN']));
  });

  it('a huge bad amount is quoted short and escaped in the problem message', () => {
    const huge = `\u001b${'9'.repeat(200_000)}`;
    const parsed = parsePayoutRows(
      [{ customId: 'DYLVN', payout: [{ ...contract('C1'), openingBal: huge }] }],
      period,
    );
    const message = parsed.problems[0]?.message ?? '';
    expect(message).toMatch(/^expected an amount such as 1250\.00, got "\\u001b9+… \(200,008 characters\)$/);
    expect(message.length).toBeLessThan(120);
    expect(message).not.toContain('\u001b');
    expect(quoteValue('short')).toBe('"short"');
  });
});
