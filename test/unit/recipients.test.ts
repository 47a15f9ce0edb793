import { describe, expect, it } from 'vitest';
import { isValidEmail, maskEmail } from '../../src/core/common/email-address.js';
import { isValidCustomId, resolveCustomId, toCustomId } from '../../src/core/recipients/custom-ids.js';
import { selectRecipients } from '../../src/core/recipients/recipients-from-users.js';

const rules = {
  excludeEmails: ['QA@Distro-Nation.test'],
  customIdAliases: { MOLS: 'MOL', JodyHighRoller: 'RIFFRAFF' },
};

const user = (email: unknown, ids: string[] = [], status = 'active', userName = 'Name') => ({
  userName,
  status,
  emailsUser: email,
  creators: [{ channels: ids.map((customID) => ({ customID })) }],
});

describe('selectRecipients', () => {
  it('keeps active users with a valid address', () => {
    const { recipients, skipped } = selectRecipients([user('a@example.com', ['A1'])], rules);
    expect(recipients).toEqual([
      {
        email: 'a@example.com',
        userName: 'Name',
        customIds: [{ original: 'A1', resolved: 'A1' }],
        rows: [0],
      },
    ]);
    expect(skipped).toEqual([]);
  });

  it.each([
    [user('a@example.com', ['A'], 'inactive'), 'inactive'],
    [user('a@example.com', ['A'], 'suspended'), 'inactive'],
    [user('', ['A']), 'no-email'],
    [user('   ', ['A']), 'no-email'],
    [user(null, ['A']), 'no-email'],
    [user('qa@distro-nation.TEST', ['A']), 'excluded'],
    [user('not-an-address', ['A']), 'invalid-email'],
    [user('two@@example.com', ['A']), 'invalid-email'],
    [user('a b@example.com', ['A']), 'invalid-email'],
  ])('skips %j as %s', (row, reason) => {
    const { recipients, skipped } = selectRecipients([row], rules);
    expect(recipients).toEqual([]);
    expect(skipped).toMatchObject([{ index: 0, reason }]);
  });

  it('accepts "Active" case-insensitively', () => {
    expect(selectRecipients([user('a@example.com', [], 'Active')], rules).recipients).toHaveLength(1);
  });

  it('merges duplicate addresses (case, spaces) into one recipient with all custom IDs', () => {
    const { recipients, skipped } = selectRecipients(
      [user('a@example.com', ['A1']), user(' A@Example.COM ', ['A2', 'a1'])],
      rules,
    );
    expect(recipients).toHaveLength(1);
    expect(recipients[0]?.customIds.map((id) => id.resolved)).toEqual(['A1', 'A2']);
    expect(recipients[0]?.rows).toEqual([0, 1]);
    expect(skipped).toEqual([
      { index: 1, email: 'a@example.com', reason: 'duplicate', detail: 'merged into row 0' },
    ]);
  });

  it('collects custom IDs from every creator and channel', () => {
    const row = {
      userName: 'Multi',
      status: 'active',
      emailsUser: 'm@example.com',
      creators: [
        { channels: [{ customID: 'X1' }, { customID: 'X2' }] },
        { channels: [{ customID: 'Y1' }] },
        {},
      ],
    };
    expect(selectRecipients([row], rules).recipients[0]?.customIds.map((id) => id.original)).toEqual([
      'X1',
      'X2',
      'Y1',
    ]);
  });

  it('applies aliases case-insensitively before anything else', () => {
    const { recipients } = selectRecipients([user('m@example.com', ['MOLS', 'jodyhighroller'])], rules);
    expect(recipients[0]?.customIds).toEqual([
      { original: 'MOLS', resolved: 'MOL' },
      { original: 'jodyhighroller', resolved: 'RIFFRAFF' },
    ]);
  });

  it('carries the Korrect channelName of each custom ID (first non-empty one; aliases keep it; odd values ignored)', () => {
    const rows = [
      {
        ...user('m@example.com'),
        creators: [
          { channels: [{ customID: 'MOLS', channelName: ' Mollie Stone Official ' }] },
          { channels: [{ customID: 'NONAME' }, { customID: 'ODD', channelName: 42 }] },
        ],
      },
      {
        ...user('m@example.com'),
        creators: [{ channels: [{ customID: 'NONAME', channelName: 'Late Name' }] }],
      },
    ];
    const { recipients, rowProblems } = selectRecipients(rows, rules);
    expect(rowProblems).toEqual([]);
    expect(recipients[0]?.customIds).toEqual([
      { original: 'MOLS', resolved: 'MOL', channelName: 'Mollie Stone Official' },
      { original: 'NONAME', resolved: 'NONAME', channelName: 'Late Name' },
      { original: 'ODD', resolved: 'ODD' },
    ]);
  });

  it('rejects invalid custom IDs and reports them, keeping the recipient and its valid IDs', () => {
    const { recipients, rejectedIds } = selectRecipients(
      [user('b@example.com', ['../../etc/passwd', 'OK_1', 'has space', 'x'.repeat(65)])],
      rules,
    );
    expect(recipients[0]?.customIds.map((id) => id.resolved)).toEqual(['OK_1']);
    expect(rejectedIds.map((r) => r.customId)).toEqual(['../../etc/passwd', 'has space', 'x'.repeat(65)]);
    expect(rejectedIds[0]).toMatchObject({ index: 0, email: 'b@example.com' });
  });

  it('reports a bad row with its index and field and continues with the others', () => {
    const selection = selectRecipients(
      [
        'not a row',
        user(42, ['A']),
        { userName: 'No status', emailsUser: 'x@example.com' },
        user('ok@example.com'),
      ],
      rules,
    );
    expect(selection.recipients.map((r) => r.email)).toEqual(['ok@example.com']);
    expect(selection.rowProblems.map((p) => [p.index, p.field])).toEqual([
      [0, '(row)'],
      [1, 'emailsUser'],
      [2, 'status'],
    ]);
    expect(selection.totalRows).toBe(4);
  });
});

describe('custom IDs', () => {
  it.each(['A', 'abc-DEF_123', 'x'.repeat(64)])('%s is valid', (id) =>
    expect(isValidCustomId(id)).toBe(true),
  );
  it.each(['', 'a b', 'a/b', 'a.b', '../x', 'x'.repeat(65), 'é'])('%j is invalid', (id) =>
    expect(isValidCustomId(id)).toBe(false),
  );
  it('resolves aliases and leaves others alone', () => {
    expect(resolveCustomId('mols', { MOLS: 'MOL' })).toBe('MOL');
    expect(resolveCustomId('OTHER', { MOLS: 'MOL' })).toBe('OTHER');
  });
  it('rejects an alias whose target is invalid', () => {
    expect(toCustomId('GOOD', { GOOD: 'bad/target' })).toEqual({ invalid: expect.stringContaining('alias') });
  });
});

describe('e-mail addresses', () => {
  it.each(['a@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.ie", 'x@xn--bcher-kva.de'])(
    '%s is valid',
    (address) => expect(isValidEmail(address)).toBe(true),
  );
  it.each([
    '',
    'plain',
    '@example.com',
    'a@',
    'a@b',
    'a@@b.com',
    'a..b@example.com',
    'a@-x.com',
    'a@ex ample.com',
  ])('%j is invalid', (address) => expect(isValidEmail(address)).toBe(false));
  it('masks addresses', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
    expect(maskEmail('x')).toBe('***');
  });
});
