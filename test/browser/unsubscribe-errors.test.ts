import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResubscribeToken } from '../../src/core/unsubscribe/unsubscribe-token.js';
import {
  checkA11y,
  chromiumAvailable,
  createScreenshots,
  type LaunchedChromium,
  launchChromium,
} from '../support/browser.js';
import {
  ADDRESS,
  DAY_MS,
  type Endpoint,
  OTHER_KEY,
  startEndpoint,
  TOKEN_KEY,
  TOPIC,
  tokenFor,
} from '../support/unsubscribe-endpoint.js';

describe.skipIf(!chromiumAvailable())('the unsubscribe error pages in Chromium', () => {
  let chromium: LaunchedChromium | undefined;
  let endpoint: Endpoint;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await endpoint?.close();
  });

  it('expired, altered, foreign and button-token links each explain what to do next, change nothing, and pass axe', async () => {
    if (!chromium) throw new Error('Chromium did not start');
    const screens = await createScreenshots('unsubscribe-errors');
    const valid = tokenFor();
    const altered = `${valid.slice(0, -4)}${valid.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const cases = {
      expired: tokenFor(undefined, new Date(Date.now() - 40 * DAY_MS)),
      altered,
      foreign: tokenFor(undefined, new Date(), OTHER_KEY),
      // The token of an earlier page's resubscribe button, pasted as a link.
      button: createResubscribeToken(TOKEN_KEY, { email: ADDRESS, topic: TOPIC }, new Date()),
    };
    for (const [name, token] of Object.entries(cases)) {
      const page = await chromium.newPage({ width: 375, height: 800 });
      const response = await page.goto(endpoint.urlFor(token));
      expect(response?.status(), name).toBe(400);
      await expect(page.locator('h1').textContent(), name).resolves.toBeTruthy();
      await expect(page.locator('main').textContent(), name).resolves.toContain('Nothing was changed');
      expect(await page.locator('form').count(), name).toBe(0);
      expect(await checkA11y(page), name).toEqual([]);
      await screens.shoot(page, name);
      await page.close();
    }
    expect(endpoint.audit).toBeDefined();
    expect(await endpoint.audit.history('artist@example.com')).toEqual([]);
  }, 60_000);
});
