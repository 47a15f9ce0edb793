import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMime } from '../../src/adapters/mime.js';
import { findMailtoToken } from '../../src/core/events/mailto-request.js';
import { createUnsubscribeLinks } from '../../src/core/unsubscribe/unsubscribe-links.js';
import { verifyUnsubscribeToken } from '../../src/core/unsubscribe/unsubscribe-token.js';
import { aesTokens } from '../support/unsubscribe-endpoint.js';

const KEY = Buffer.alloc(32, 7);
const NOW = new Date('2025-02-10T12:00:00.000Z');
// A long address and topic: the longest token a real recipient gets is still far within the limits.
const EMAIL = `${'a'.repeat(64)}@${'long-domain-name.'.repeat(8)}example.com`;
const TOPIC = 'financial-reports-and-statements';

async function linksFor(email: string) {
  const links = await createUnsubscribeLinks(
    {
      mode: 'own',
      baseUrl: 'https://unsubscribe.distronation.test/unsubscribe',
      mailto: 'Distro Nation <unsubscribe@distronation.test>',
      topic: TOPIC,
      tokens: aesTokens(KEY),
    },
    [email],
    NOW,
  );
  return links(email);
}

describe('List-Unsubscribe mailto target', () => {
  it('carries the one-click link token in its subject: unsubscribe%20TOKEN', async () => {
    const link = await linksFor('mollie@example.com');
    const header = link.headers['List-Unsubscribe'] ?? '';
    const token = new URL(link.url ?? '').searchParams.get('data') ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(header).toBe(
      `<${link.url}>, <mailto:unsubscribe@distronation.test?subject=unsubscribe%20${token}>`,
    );
    expect(verifyUnsubscribeToken(KEY, token, NOW)).toMatchObject({
      email: 'mollie@example.com',
      topic: TOPIC,
    });
  });

  it('survives the real composer and parser: folded within RFC 5322 limits, the token intact', async () => {
    const link = await linksFor(EMAIL);
    const token = new URL(link.url ?? '').searchParams.get('data') ?? '';
    // The token of a 254-character address: still a short part of a 998-character line.
    expect(token.length).toBeLessThan(450);
    const eml = (
      await composeMime(
        { to: EMAIL, subject: 'Your statement', html: '<p>Hi</p>', text: 'Hi' },
        {
          from: 'Distro Nation <reports@distronation.test>',
          headers: link.headers,
          date: NOW,
          messageId: 'm1@distronation.test',
        },
      )
    ).toString('utf8');
    const headerBlock = eml.split('\r\n\r\n')[0] ?? '';
    for (const line of headerBlock.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    const parsed = await simpleParser(eml);
    // mailparser reads the List-* headers into `list`: { unsubscribe: { url, mail } }.
    const list = parsed.headers.get('list') as { unsubscribe?: { mail?: string; url?: string } } | undefined;
    expect(list?.unsubscribe?.url).toBe(link.url);
    const mailto = new URL(`mailto:${list?.unsubscribe?.mail}`);
    expect(mailto.pathname).toBe('unsubscribe@distronation.test');
    // What a mail client puts in the Subject of the request, read back as events sync reads it.
    const subject = decodeURIComponent(mailto.searchParams.get('subject') ?? '');
    expect(subject).toBe(`unsubscribe ${token}`);
    expect(findMailtoToken(subject)).toBe(token);
    expect(verifyUnsubscribeToken(KEY, findMailtoToken(subject) ?? '', NOW).email).toBe(EMAIL);
  });
});

const mollieLink = await linksFor('mollie@example.com');

describe('findMailtoToken', () => {
  const token = new URL(mollieLink.url ?? '').searchParams.get('data') ?? '';
  it.each([
    [`unsubscribe ${token}`],
    [`Re: unsubscribe ${token}`],
    [`RE:   UNSUBSCRIBE    ${token}  `],
    [`Fwd: Unsubscribe: ${token}`],
    [`unsubscribe%20${token}`],
    [`unsubscribe%2520${token}`],
    [`unsubscribe+${token}`],
  ])('finds the token in %s', (subject) => {
    expect(findMailtoToken(subject)).toBe(token);
  });

  it.each([['unsubscribe'], ['Unsubscribe me please'], ['unsubscribe immediately'], ['hello'], [undefined]])(
    'finds none in %s',
    (subject) => {
      expect(findMailtoToken(subject)).toBeUndefined();
    },
  );
});
