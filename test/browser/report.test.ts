import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkA11y,
  chromiumAvailable,
  createScreenshots,
  type LaunchedChromium,
  launchChromium,
} from '../support/browser.js';
import { demoDryRun, type ManifestJson } from '../support/demo.js';

// Spawns the BUILT CLI: run `npm run build` first.
describe.skipIf(!chromiumAvailable())('the campaign report in Chromium', () => {
  let chromium: LaunchedChromium | undefined;
  let outDir: string;
  let manifest: ManifestJson;

  beforeAll(async () => {
    ({ outDir, manifest } = await demoDryRun('dn-browser-report-'));
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
  });

  it('shows the right counts, works without network, and has no serious/critical axe violations', async () => {
    if (!chromium) throw new Error('Chromium did not start');
    const page = await chromium.newPage({ width: 900, height: 1200 });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(path.join(outDir, 'report.html')).href);
    const count = async (state: string) =>
      Number(await page.locator(`[data-count="${state}"]`).first().textContent());
    const counts = manifest.counts as Record<string, number>;
    expect(await count('messages')).toBe(counts.messages);
    expect(await count('recipients')).toBe(counts.recipients);
    expect(await count('links')).toBe(counts.links);
    await expect(page.locator('h1').textContent()).resolves.toContain(manifest.campaignId);
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    expect(await checkA11y(page)).toEqual([]);
    const screens = await createScreenshots('report');
    await screens.shoot(page, 'report');
  }, 60_000);
});
