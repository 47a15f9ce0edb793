import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type A11yViolation,
  checkA11y,
  chromiumAvailable,
  createScreenshots,
  type LaunchedChromium,
  launchChromium,
} from '../support/browser.js';
import { freePort, runCli } from '../support/cli.js';
import { listenOnLoopback } from '../support/loopback.js';
import {
  demoWorkspace,
  type RunningCli,
  readOutbox,
  SEND_JANUARY,
  startCli,
  waitFor,
} from '../support/send-world.js';

// Spawns the BUILT CLI: run `npm run build` first.
const MOLLIE = 'mollie@example.com';
const MASKED = /m\*+@example\.com/;

describe.skipIf(!chromiumAvailable())('the unsubscribe pages in Chromium (dn-mailer serve)', () => {
  let ws: Awaited<ReturnType<typeof demoWorkspace>>;
  let serve: RunningCli | undefined;
  let chromium: LaunchedChromium | undefined;
  let port: number;
  const cli = (...args: string[]) => runCli([...args, '--config', ws.config]);
  const topicOf = async (email: string) => {
    const shown = JSON.parse((await cli('contacts', 'show', email, '--json')).stdout);
    return shown.preferences?.topics?.['financial-reports'] as string | undefined;
  };

  beforeAll(async () => {
    ws = await demoWorkspace();
    port = await freePort();
    const config = JSON.parse(await readFile(ws.config, 'utf8'));
    config.unsubscribe.baseUrl = `http://127.0.0.1:${port}/unsubscribe`;
    await writeFile(ws.config, JSON.stringify(config));
    const sent = await cli('send-report', ...SEND_JANUARY, '--yes');
    if (sent.code !== 0) throw new Error(`send-report failed (${sent.code}): ${sent.stderr}`);
    serve = startCli(['serve', '--port', String(port), '--config', ws.config]);
    await waitFor('dn-mailer serve', () => isUp(port));
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    serve?.child.kill('SIGTERM');
    await serve?.done;
  });

  it('GET shows the masked address and a button; Unsubscribe → OPT_OUT; Resubscribe → OPT_IN; axe clean', async () => {
    if (!chromium) throw new Error('Chromium did not start');
    const mail = (await readOutbox(ws.outbox)).find((m) => m.to.includes(MOLLIE));
    if (!mail) throw new Error(`no e-mail to ${MOLLIE} in the outbox`);
    const screens = await createScreenshots('unsubscribe');
    const found: Record<string, A11yViolation[]> = {};
    const audit = async (page: Page, name: string) => {
      const violations = await checkA11y(page);
      if (violations.length > 0) found[name] = violations;
      await screens.shoot(page, name);
    };
    const page = await chromium.newPage({ width: 375, height: 800 });
    // The link as a mail client's browser reads it from the e-mail's HTML part.
    await page.setContent(mail.html);
    const link = await page.getByRole('link', { name: 'Unsubscribe' }).getAttribute('href');
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/unsubscribe\\?data=`));

    const response = await page.goto(link ?? '');
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Unsubscribe from these e-mails?');
    expect(await page.locator('main').textContent()).toMatch(MASKED);
    expect(await page.locator('main').textContent()).not.toContain(MOLLIE);
    expect(await page.getByRole('button', { name: 'Unsubscribe' }).isVisible()).toBe(true);
    await audit(page, '1-confirm');
    expect(await topicOf(MOLLIE)).not.toBe('OPT_OUT');

    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Unsubscribe' }).click()]);
    expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
    expect(await page.locator('main').textContent()).toMatch(MASKED);
    expect(await page.getByRole('button', { name: 'Resubscribe' }).isVisible()).toBe(true);
    await audit(page, '2-unsubscribed');
    expect(await topicOf(MOLLIE)).toBe('OPT_OUT');

    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Resubscribe' }).click()]);
    expect(await page.locator('h1').textContent()).toBe('You are subscribed again');
    await audit(page, '3-resubscribed');
    expect(await topicOf(MOLLIE)).toBe('OPT_IN');

    // A page on another origin that auto-submits the resubscribe form, with a valid button token: refused.
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Unsubscribe again' }).click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
    const fields = await page
      .locator('form input[type=hidden]')
      .evaluateAll((inputs) =>
        inputs.map((input) => [input.getAttribute('name') ?? '', input.getAttribute('value') ?? '']),
      );
    expect(fields.map(([name]) => name)).toEqual(['data', 'action', 'resubscribe_token']);
    const target = page.url();
    const forgery = createServer((_req, res) => {
      const hidden = fields.map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>win a prize</title><form method="post" action="${target}">${hidden.join('')}</form>` +
          '<script>document.forms[0].submit()</script>',
      );
    });
    const forgeryOrigin = await listenOnLoopback(forgery);
    try {
      const refused = page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST');
      await page.goto(`${forgeryOrigin}/`);
      expect((await refused).status()).toBe(403);
      await expect
        .poll(() => page.locator('h1').textContent())
        .toBe('This request did not come from our page');
      await audit(page, '4-cross-site-refused');
    } finally {
      forgery.closeAllConnections();
      forgery.close();
    }
    expect(await topicOf(MOLLIE)).toBe('OPT_OUT');

    await page.close();
    expect(found).toEqual({});
  }, 60_000);
});

async function isUp(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return true;
  } catch {
    return false;
  }
}
