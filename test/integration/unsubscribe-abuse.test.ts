import { afterEach, describe, expect, it } from 'vitest';
import { BackendError, StoreBusyError } from '../../src/core/common/errors.js';
import {
  ADDRESS,
  type Endpoint,
  FORM,
  formResubscribeToken,
  postForm,
  sameOrigin,
  settableClock,
  startEndpoint,
  TOPIC,
  tokenFor,
} from '../support/unsubscribe-endpoint.js';

/** Issue #13: the endpoint under abuse (cross-site resubscribe, replays, a busy store, forged client IPs). */

let endpoint: Endpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

async function start(overrides: Parameters<typeof startEndpoint>[0] = {}) {
  endpoint = await startEndpoint(overrides);
  return endpoint;
}

/** Unsubscribes on the page (same origin); returns the link token and the page's resubscribe button token. */
async function unsubscribeOnPage(e: Endpoint, link = tokenFor()) {
  const page = await postForm(e.urlFor(link), `data=${link}&action=unsubscribe`, sameOrigin(e.origin));
  const html = await page.text();
  expect(page.status, html).toBe(200);
  const button = formResubscribeToken(html);
  if (button === undefined) throw new Error(`no resubscribe button token in:\n${html}`);
  return { link, button };
}

const topicOf = (e: Endpoint) => e.contacts.contacts.get(ADDRESS)?.topics[TOPIC];
const actions = (e: Endpoint) => e.audit.entries.map((entry) => `${entry.action}/${entry.source}`);

describe('resubscribe needs the page: same origin and its short-lived button token', () => {
  it('a cross-site POST with the link token (what any link holder has) does not resubscribe', async () => {
    const e = await start();
    const link = tokenFor();
    await postForm(e.urlFor(link), 'List-Unsubscribe=One-Click');
    expect(topicOf(e)).toBe('OPT_OUT');
    const forged = await postForm(e.urlFor(link), `data=${link}&action=resubscribe`, {
      ...FORM,
      origin: 'https://evil.example',
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('This request did not come from our page');
    // Same origin, but the link's token alone: still no.
    const linkOnly = await postForm(e.urlFor(link), `data=${link}&action=resubscribe`, sameOrigin(e.origin));
    expect(linkOnly.status).toBe(400);
    expect(await linkOnly.text()).toContain('This resubscribe button has expired');
    const asButton = await postForm(
      e.urlFor(link),
      `data=${link}&action=resubscribe&resubscribe_token=${link}`,
      sameOrigin(e.origin),
    );
    expect(asButton.status).toBe(400);
    expect(topicOf(e)).toBe('OPT_OUT');
    expect(actions(e)).toEqual(['unsubscribe/one-click']);
  });

  it('a link holder cannot get a button token for an address that had already unsubscribed', async () => {
    const e = await start();
    const link = tokenFor();
    await postForm(e.urlFor(link), 'List-Unsubscribe=One-Click');
    // What a script holding the link (and writing its own Origin) would try: "unsubscribe" again to get a button.
    const page = await postForm(e.urlFor(link), `data=${link}&action=unsubscribe`, sameOrigin(e.origin));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('You were already unsubscribed');
    expect(formResubscribeToken(html)).toBeUndefined();
    expect(html).not.toContain('>Resubscribe</button>');
    expect(actions(e)).toEqual(['unsubscribe/one-click']);
  });

  const foreign: [string, Record<string, string>][] = [
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
    ['the same host on another port', { origin: 'http://127.0.0.1:1' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: '{own}' }],
    ['no Origin and a foreign Referer', { referer: 'https://evil.example/page' }],
    ['neither Origin nor Referer', {}],
  ];
  it.each(foreign)('with a valid button token, %s → 403, nothing changed', async (_name, headers) => {
    const e = await start();
    const { link, button } = await unsubscribeOnPage(e);
    const filled = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replace('{own}', e.origin)]),
    );
    const response = await postForm(
      e.urlFor(link),
      `data=${link}&action=resubscribe&resubscribe_token=${button}`,
      { ...FORM, ...filled },
    );
    expect(response.status).toBe(403);
    expect(topicOf(e)).toBe('OPT_OUT');
    expect(actions(e)).toEqual(['unsubscribe/page']);
  });

  it('accepts the Referer when a browser sends no Origin, and the configured public URL behind a proxy', async () => {
    const e = await start({ publicUrl: 'https://mail.example.com/unsubscribe' });
    const first = await unsubscribeOnPage(e);
    const viaReferer = await postForm(
      e.urlFor(first.link),
      `data=${first.link}&action=resubscribe&resubscribe_token=${first.button}`,
      { ...FORM, referer: e.urlFor(first.link) },
    );
    expect(viaReferer.status).toBe(200);
    const second = await unsubscribeOnPage(e);
    const viaProxy = await postForm(
      e.urlFor(second.link),
      `action=resubscribe&resubscribe_token=${second.button}`,
      { ...FORM, origin: 'https://mail.example.com', 'sec-fetch-site': 'same-origin' },
    );
    expect(viaProxy.status).toBe(200);
    expect(actions(e)).toEqual([
      'unsubscribe/page',
      'resubscribe/page',
      'unsubscribe/page',
      'resubscribe/page',
    ]);
  });

  it('the button token works for 15 minutes, then explains itself and changes nothing', async () => {
    const start0 = new Date('2025-03-01T10:00:00Z');
    const clock = settableClock(start0);
    const e = await start({ clock });
    const { link, button } = await unsubscribeOnPage(e, tokenFor(ADDRESS, start0));
    clock.set(new Date(start0.getTime() + 16 * 60_000));
    const late = await postForm(
      e.urlFor(link),
      `data=${link}&action=resubscribe&resubscribe_token=${button}`,
      sameOrigin(e.origin),
    );
    const html = await late.text();
    expect(late.status).toBe(400);
    expect(html).toContain('<h1>This resubscribe button has expired</h1>');
    expect(html).toContain('works for 15 minutes');
    expect(topicOf(e)).toBe('OPT_OUT');
    clock.set(new Date(start0.getTime() + 14 * 60_000));
    const inTime = await postForm(
      e.urlFor(link),
      `data=${link}&action=resubscribe&resubscribe_token=${button}`,
      sameOrigin(e.origin),
    );
    expect(inTime.status).toBe(200);
    expect(topicOf(e)).toBe('OPT_IN');
  });

  it('a button token is not a link: GET and one-click POST with it → 400, nothing changed', async () => {
    const e = await start();
    const { button } = await unsubscribeOnPage(e);
    const get = await fetch(e.urlFor(button));
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('This is not an unsubscribe link');
    expect((await postForm(e.urlFor(button), 'List-Unsubscribe=One-Click')).status).toBe(400);
    expect(actions(e)).toEqual(['unsubscribe/page']);
  });

  it('a replayed one-click POST answers 200 each time and writes one audit row', async () => {
    const e = await start();
    const url = e.urlFor(tokenFor());
    for (let i = 0; i < 3; i += 1) {
      const response = await postForm(url, 'List-Unsubscribe=One-Click');
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('You are unsubscribed');
    }
    expect(topicOf(e)).toBe('OPT_OUT');
    expect(e.contacts.writes).toBe(1);
    expect(actions(e)).toEqual(['unsubscribe/one-click']);
  });
});

describe('a busy or unavailable store → 503 with Retry-After, never a 500 with details', () => {
  it.each([
    [
      'contacts: StoreBusyError',
      'contacts',
      new StoreBusyError('contacts.sqlite is locked by another process'),
    ],
    ['audit: BackendError', 'audit', new BackendError('audit table unavailable')],
  ] as const)('%s', async (_name, port, error) => {
    const e = await start();
    if (port === 'contacts') {
      e.contacts.get = async () => {
        throw error;
      };
    } else {
      e.audit.record = async () => {
        throw error;
      };
    }
    const response = await postForm(e.urlFor(tokenFor()), 'List-Unsubscribe=One-Click');
    const html = await response.text();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toContain('<h1>We are busy right now</h1>');
    expect(html).not.toContain(error.message);
    expect(e.errors).toEqual([error]);
  });
});

describe('the client IP behind reverse proxies (--trust-proxy <hops>)', () => {
  // Mid-minute on a fixed clock: the rate limit counts per calendar minute, and a real clock crossing a minute
  // between two requests would reset the count.
  const at = new Date('2025-03-01T10:00:30Z');
  const startAt = (overrides: Parameters<typeof startEndpoint>[0]) =>
    start({ clock: settableClock(at), ...overrides });
  const oneClick = (e: Endpoint, xff: string) =>
    postForm(e.urlFor(tokenFor(ADDRESS, at)), 'List-Unsubscribe=One-Click', {
      ...FORM,
      'x-forwarded-for': xff,
    });

  it('2 hops: the entry two from the right (the socket counts as the last), whatever the client prepends', async () => {
    const e = await startAt({ trustProxy: 2 });
    await oneClick(e, '6.6.6.6, 198.51.100.20, 10.0.0.2');
    expect(e.audit.entries.map((entry) => entry.detail)).toEqual(['198.51.100.20']);
  });

  it('a forged left-most entry does not evade the rate limit', async () => {
    const e = await startAt({ trustProxy: 1, rateLimit: { perMinute: 2 } });
    const statuses: number[] = [];
    for (const forged of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      statuses.push((await oneClick(e, `${forged}, 203.0.113.7`)).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect((await oneClick(e, '1.1.1.1, 203.0.113.8')).status).toBe(200);
  });

  it('an entry that is not an IP address gives the proxy (socket) address, never the text', async () => {
    const e = await startAt({ trustProxy: 1 });
    await oneClick(e, '203.0.113.7, <script>alert(1)</script>');
    await oneClick(e, '[2001:DB8::7]:443');
    expect(e.audit.entries.map((entry) => entry.detail)).toEqual(['127.0.0.1']);
    // The second request was the same address already unsubscribed (no row); check its rate-limit key instead:
    await e.close();
    const limited = await startAt({ trustProxy: 1, rateLimit: { perMinute: 1 } });
    expect((await oneClick(limited, '2001:db8::7')).status).toBe(200);
    expect((await oneClick(limited, '[2001:DB8::7]:443')).status).toBe(429);
  });
});
