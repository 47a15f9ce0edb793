import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalFiles } from '../../src/adapters/local/host.js';
import { composeMime } from '../../src/adapters/mime.js';
import { createSecretRegistry } from '../../src/core/common/secret-registry.js';
import { messageIdFor } from '../../src/core/send/message-id.js';

const SECRET = 'FILESECRET-5d2c9a7e13b84f60';

describe('files written on this machine are scrubbed of the run’s secrets', () => {
  it('report.html, preview pages and the temp preview carry the marker, never the value', async () => {
    const secrets = createSecretRegistry();
    secrets.register(SECRET, 'users.korrect.apiKey');
    const files = createLocalFiles((text) => secrets.scrub(text));
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-scrub-'));
    const html = `<p>failed: Korrect answered "${SECRET}" / ${SECRET.slice(3, 15)}</p>`;
    const written = [
      await files.writeReport(path.join(dir, 'report.html'), html),
      await files.writePreviewHtml(path.join(dir, 'page.html'), html),
      await files.writeTempPreviewHtml(dir, 'DYLVN.html', html),
    ];
    for (const file of written) {
      const text = await readFile(file, 'utf8');
      expect(text).toContain('[secret users.korrect.apiKey]');
      expect(text).not.toContain(SECRET.slice(3, 13));
    }
    expect((await readdir(dir)).length).toBeGreaterThanOrEqual(3);
  });

  it('the previews of a dry run (.html, .txt and the .eml) never carry a secret, even one quoted-printable would split', async () => {
    const secrets = createSecretRegistry();
    secrets.register(SECRET, 'users.korrect.apiKey');
    const files = createLocalFiles((text) => secrets.scrub(text));
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'dn-scrub-')), 'pv');
    // At column 70 of a long line, a quoted-printable soft break would cut the secret in two inside the .eml.
    const html = `<p>${'x'.repeat(70)}${SECRET}${'y'.repeat(70)}</p><p>${SECRET.slice(2, 14)}</p>`;
    const writer = await files.openPreviews(dir, 'cmp-2025-01', {
      from: 'Distro Nation <reports@distro-nation.test>',
      bcc: [],
      date: new Date('2025-02-01T10:00:00Z'),
    });
    await writer.write(
      [
        {
          index: 1,
          to: 'creator@example.com',
          userName: 'Creator',
          customIds: [{ original: 'C1', resolved: 'C1' }],
          subject: `Your statement ${SECRET}`,
          html,
          text: `Statement ${SECRET}`,
          links: [],
          headers: { 'List-Unsubscribe': `<https://u.test/?t=${SECRET}>` },
          totals: { openingCents: 0, earningsCents: 0, paymentsCents: 0, closingCents: 0 },
          contracts: 0,
          warnings: [],
        },
      ],
      1,
    );
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['001-C1.eml', '001-C1.html', '001-C1.txt']);
    for (const name of names) {
      const text = await readFile(path.join(dir, name), 'utf8');
      expect(text, name).toContain('secret users.korrect.apiKey');
      for (let i = 0; i + 10 <= SECRET.length; i += 1)
        expect(text, name).not.toContain(SECRET.slice(i, i + 10));
      // Nor split by a soft line break.
      const joined = text.replace(/=\r?\n/g, '');
      for (let i = 0; i + 10 <= SECRET.length; i += 1)
        expect(joined, name).not.toContain(SECRET.slice(i, i + 10));
    }
  });

  it('without a secret in it, a preview .eml is byte for byte the MIME composed from the message itself', async () => {
    const secrets = createSecretRegistry();
    secrets.register(SECRET, 'users.korrect.apiKey');
    const files = createLocalFiles((text) => secrets.scrub(text));
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'dn-scrub-')), 'pv');
    const from = 'Distro Nation <reports@distro-nation.test>';
    const date = new Date('2025-02-01T10:00:00Z');
    const link = `https://reports.test/C1.pdf?Expires=1767225600&Signature=${'AbC9+/='.repeat(49)}&Key-Pair-Id=K1`;
    const message = {
      index: 1,
      to: 'creator@example.com',
      userName: 'Créatrice',
      customIds: [{ original: 'C1', resolved: 'C1' }],
      subject: 'Your January 2025 statement — €12.50',
      html: `<p>${'Bonjour, voici votre relevé. '.repeat(40)}<a href="${link}">report</a></p>`,
      text: `Bonjour\n${link}\n`,
      links: [],
      headers: {
        'List-Unsubscribe': '<https://u.test/?t=abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      totals: { openingCents: 0, earningsCents: 1250, paymentsCents: 0, closingCents: 1250 },
      contracts: 1,
      warnings: [],
    };
    const writer = await files.openPreviews(dir, 'cmp-2025-01', {
      from,
      replyTo: 'finance@distro-nation.test',
      bcc: ['equity@distro-nation.test'],
      date,
    });
    await writer.write([message], 1);
    const expected = await composeMime(message, {
      from,
      replyTo: 'finance@distro-nation.test',
      bcc: ['equity@distro-nation.test'],
      headers: message.headers,
      date,
      messageId: messageIdFor('cmp-2025-01', message.to, from),
    });
    expect((await readFile(path.join(dir, '001-C1.eml'))).equals(expected)).toBe(true);
    expect(await readFile(path.join(dir, '001-C1.html'), 'utf8')).toBe(message.html);
  });
});
