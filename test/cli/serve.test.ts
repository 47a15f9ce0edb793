import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/common/errors.js';
import { createUnsubscribeToken, parseTokenKey } from '../../src/core/unsubscribe/unsubscribe-token.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { DEMO_DIR, demoConfigCopy, freshDir } from '../support/demo.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { FORM, formResubscribeToken, postForm, sameOrigin } from '../support/unsubscribe-endpoint.js';

/** `serve` in-process through the real program, stopped by the test instead of a signal. */

const demo = JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')) as {
  unsubscribe: { topic: string; tokenKey: { file: string } };
};
const TOPIC = demo.unsubscribe.topic;
const TOKEN_KEY_FILE = path.resolve(DEMO_DIR, demo.unsubscribe.tokenKey.file);
const TOKEN_KEY = parseTokenKey(readFileSync(TOKEN_KEY_FILE, 'utf8'));
const ADDRESS = 'dylan@example.com';
const BRAND = 'Brand X';

const tokenFor = (email = ADDRESS) => createUnsubscribeToken(TOKEN_KEY, { email, topic: TOPIC }, new Date());

/** Runs `serve <args>`; `whileRunning` gets the URL once it listens, and the server stops when it settles. */
async function runServe(
  args: readonly string[],
  whileRunning: (url: string) => Promise<void>,
  options: { config: string; world?: MemoryWorld },
) {
  const world = options.world ?? createMemoryWorld();
  let stop: (reason: string) => void = () => {};
  let failure: unknown;
  let seen: string | undefined;
  const result = await runInProcess(['--config', options.config, 'serve', ...args], {
    world,
    serve: {
      waitForStop: () => new Promise((resolve) => (stop = resolve)),
      onListening: (url) => {
        seen = url;
        whileRunning(url)
          .catch((error: unknown) => (failure = error))
          .finally(() => stop('test done'));
      },
    },
  });
  if (failure) throw failure;
  return { ...result, world, url: seen };
}

describe('dn-mailer serve (in-process)', () => {
  let config: string;
  beforeAll(async () => {
    // The demo config with a brand name and absolute paths, so the pages can be told to come from this config.
    config = await demoConfigCopy(await freshDir('dn-serve-'), (copy) => {
      (copy.email as Record<string, unknown>).brandName = BRAND;
      (copy.unsubscribe as { tokenKey: unknown }).tokenKey = { file: TOKEN_KEY_FILE };
    });
  });

  it('listens on 127.0.0.1, prints the URL, serves the page and one-click POST, stops cleanly', async () => {
    const token = tokenFor();
    const world = createMemoryWorld();
    const result = await runServe(
      ['--port', '0'],
      async (url) => {
        const page = await fetch(`${url}?data=${token}`);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain(BRAND);
        // GET only shows the page: link scanners must not unsubscribe anybody.
        expect(world.contacts.writes).toBe(0);
        const post = await postForm(`${url}?data=${token}`, 'List-Unsubscribe=One-Click');
        expect(post.status).toBe(200);
      },
      { config, world },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(result.stdout).toBe(
      `Unsubscribe endpoint listening on ${result.url} (contacts: memory-contacts)\n` +
        `links look like ${result.url}?data=<token>; stop with Ctrl+C\n`,
    );
    expect(result.stderr).toBe('test done: stopping\n');
    expect(world.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
    expect(world.audit.entries).toEqual([
      expect.objectContaining({ email: ADDRESS, action: 'unsubscribe', topic: TOPIC, source: 'one-click' }),
    ]);
    expect(world.opens).toBe(1);
    expect(world.closes).toBe(1);
  });

  it('a bad token gets a 400 page and changes nothing', async () => {
    const world = createMemoryWorld();
    const other = createUnsubscribeToken(Buffer.alloc(32, 9), { email: ADDRESS, topic: TOPIC }, new Date());
    const result = await runServe(
      ['--port', '0'],
      async (url) => {
        for (const data of ['not-a-token', tokenFor().slice(0, 40), other]) {
          const page = await fetch(`${url}?data=${data}`);
          expect(page.status, data).toBe(400);
          const post = await postForm(`${url}?data=${data}`, 'List-Unsubscribe=One-Click', FORM);
          expect(post.status, data).toBe(400);
        }
      },
      { config, world },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.contacts.writes).toBe(0);
    expect(world.audit.entries).toEqual([]);
  });

  it('--json prints { url } only; the demo config (no brand name) shows the default brand', async () => {
    const result = await runServe(
      ['--port', '0', '--json'],
      async (url) => {
        const page = await fetch(`${url}?data=${tokenFor()}`);
        expect(await page.text()).toContain('Distro Nation');
      },
      { config: DEMO_CONFIG },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json()).toEqual({ url: result.url });
  });

  it.each([
    [['--trust-proxy'], '6.6.6.6, 203.0.113.7', '203.0.113.7'],
    [['--trust-proxy', '2'], '6.6.6.6, 198.51.100.20, 10.0.0.2', '198.51.100.20'],
    [['--trust-proxy', '0'], '6.6.6.6', '127.0.0.1'],
    [[], '6.6.6.6', '127.0.0.1'],
  ])('serve %j: X-Forwarded-For %s → the audit row names %s', async (flags, xff, ip) => {
    const world = createMemoryWorld();
    const result = await runServe(
      ['--port', '0', ...flags],
      async (url) => {
        const post = await postForm(`${url}?data=${tokenFor()}`, 'List-Unsubscribe=One-Click', {
          ...FORM,
          'x-forwarded-for': xff,
        });
        expect(post.status).toBe(200);
      },
      { config, world },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.audit.entries.map((entry) => entry.detail)).toEqual([ip]);
  });

  it.each(['many', '11', '-1'])(
    'refuses --trust-proxy %s (exit 2) without opening anything',
    async (hops) => {
      const world = createMemoryWorld();
      const result = await runServe(['--port', '0', '--trust-proxy', hops], async () => {}, {
        config,
        world,
      });
      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toContain(`--trust-proxy: "${hops}" is not a number of proxies (0–10)`);
      expect(world.opens).toBe(0);
    },
  );

  it('resubscribe: only from its own page (same origin) with the button token, never cross-site', async () => {
    const world = createMemoryWorld();
    const token = tokenFor();
    const result = await runServe(
      ['--port', '0'],
      async (url) => {
        const own = sameOrigin(new URL(url).origin);
        const done = await postForm(`${url}?data=${token}`, `data=${token}&action=unsubscribe`, own);
        const button = formResubscribeToken(await done.text()) ?? '';
        const body = `data=${token}&action=resubscribe&resubscribe_token=${button}`;
        const forged = await postForm(`${url}?data=${token}`, body, {
          ...FORM,
          origin: 'https://evil.example',
        });
        expect(forged.status).toBe(403);
        expect(world.contacts.contacts.get(ADDRESS)?.topics[TOPIC]).toBe('OPT_OUT');
        const again = await postForm(`${url}?data=${token}`, body, own);
        expect(again.status).toBe(200);
      },
      { config, world },
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(world.audit.entries.map((entry) => `${entry.action}/${entry.source}`)).toEqual([
      'unsubscribe/page',
      'resubscribe/page',
    ]);
  });

  it.each(['eighty', '70000', '-1'])('refuses --port %s (exit 2) without opening anything', async (port) => {
    const world = createMemoryWorld();
    let listened = false;
    const result = await runServe(
      ['--port', port],
      async () => {
        listened = true;
      },
      { config, world },
    );
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(`--port: "${port}" is not a port number`);
    expect(listened).toBe(false);
    expect(world.opens).toBe(0);
  });
});
