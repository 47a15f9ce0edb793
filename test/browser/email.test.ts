import path from 'node:path';
import { pathToFileURL } from 'node:url';
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
import { demoDryRun, type ManifestJson } from '../support/demo.js';
import { checkDemoLink, isUnsubscribeLink } from '../support/previews.js';

// Spawns the BUILT CLI: run `npm run build` first.
/** The demo's columns (the default `email.columns`), as the table headings show them. */
const COLUMN_HEADINGS = ['Opening balance', 'Views', 'Earnings', 'Paid to you', 'Closing balance'];
const WIDTHS = [
  { width: 600, height: 900 },
  { width: 375, height: 800 },
] as const;

interface ShownLink {
  href: string;
  box: { width: number; height: number } | null;
}

async function linksOf(page: Page): Promise<ShownLink[]> {
  const shown: ShownLink[] = [];
  for (const link of await page.locator('a').all()) {
    shown.push({ href: (await link.getAttribute('href')) ?? '', box: await link.boundingBox() });
  }
  return shown;
}

describe.skipIf(!chromiumAvailable())('the demo e-mails in Chromium (600 px and 375 px)', () => {
  let chromium: LaunchedChromium | undefined;
  let outDir: string;
  let manifest: ManifestJson;

  beforeAll(async () => {
    ({ outDir, manifest } = await demoDryRun('dn-browser-email-'));
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
  });

  it('no horizontal overflow, every link visible and planned, no serious/critical axe violations', async () => {
    if (!chromium) throw new Error('Chromium did not start');
    const screens = await createScreenshots('email');
    const found: Record<string, A11yViolation[]> = {};
    expect(manifest.messages.length).toBeGreaterThan(0);
    for (const [index, message] of manifest.messages.entries()) {
      const html = message.files.find((name) => name.endsWith('.html')) ?? '';
      const url = pathToFileURL(path.join(outDir, html)).href;
      for (const viewport of WIDTHS) {
        const page = await chromium.newPage(viewport);
        try {
          await page.goto(url);
          const where = `${html} at ${viewport.width}px`;
          const sizes = await page.evaluate(() => {
            // Runs in the page: the DOM globals, typed here without adding the DOM lib to the project.
            const page = globalThis as unknown as {
              document: { documentElement: { scrollWidth: number } };
              innerWidth: number;
            };
            return { scrollWidth: page.document.documentElement.scrollWidth, innerWidth: page.innerWidth };
          });
          expect(sizes.scrollWidth, `${where}: horizontal overflow`).toBeLessThanOrEqual(sizes.innerWidth);

          const links = await linksOf(page);
          const planned = message.links.map((link) => link.key).sort();
          const reportKeys: string[] = [];
          let unsubscribe = 0;
          for (const link of links) {
            expect(link.box, `${where}: ${link.href} is not rendered`).not.toBeNull();
            expect(link.box?.width ?? 0, `${where}: ${link.href} has no width`).toBeGreaterThan(0);
            expect(link.box?.height ?? 0, `${where}: ${link.href} has no height`).toBeGreaterThan(0);
            if (isUnsubscribeLink(link.href)) unsubscribe += 1;
            else reportKeys.push(checkDemoLink(link.href).key);
          }
          expect(reportKeys.sort(), `${where}: report links`).toEqual(planned);
          expect(unsubscribe, `${where}: unsubscribe link`).toBe(1);

          // As a creator reads it: the configured columns, payments as "Paid to you", one total per table of
          // several contracts, and the all-channels summary when there is more than one table.
          const headings = await page.locator('thead th').allInnerTexts();
          const tables = await page.locator('table[role="table"] thead').count();
          expect(headings, `${where}: column headings`).toEqual(
            Array.from({ length: tables }, () => COLUMN_HEADINGS).flat(),
          );
          for (const table of await page.locator('table[role="table"]:has(thead)').all()) {
            const contracts = await table
              .locator('tbody[data-contract]:not([data-contract="Total"])')
              .count();
            const totals = await table.locator('tbody[data-contract="Total"]').count();
            expect(totals, `${where}: total row of a table of ${contracts} contract(s)`).toBe(
              contracts > 1 ? 1 : 0,
            );
          }
          const body = (await page.locator('body').textContent()) ?? '';
          expect(body, `${where}: a negative amount`).not.toMatch(/-\$\d/);
          const summary = page.locator('caption', { hasText: /^All (channels|payouts)$/ });
          expect(await summary.count(), `${where}: summary`).toBe(tables > 1 ? 1 : 0);
          if (tables > 1) expect(await summary.isVisible()).toBe(true);

          const violations = await checkA11y(page);
          if (violations.length > 0) found[where] = violations;
          if (index === 0 || message.customIds.includes('ART-01'))
            await screens.shoot(page, `${path.basename(html, '.html')}-${viewport.width}`);
        } finally {
          await page.close();
        }
      }
    }
    expect(found).toEqual({});
  }, 60_000);
});
