import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, installed on CI by `.ci/run` (`apt-get install -y chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/**
 * Whether the browser tests can run here. A developer machine without Chromium skips them (saying so); on CI
 * (`CI=true`) a missing Chromium is a failure, so a broken image never passes silently.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM} (CI=true: required)`);
  console.log(`Chromium not found at ${CHROMIUM}: browser tests skipped`);
  return false;
}

export interface LaunchedChromium {
  context: BrowserContext;
  /** A new tab at this viewport size. */
  newPage(viewport: { width: number; height: number }): Promise<Page>;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile, or undefined where it is missing (see above). Playwright passes the
 * profile as `--user-data-dir` itself (it refuses that flag in `args`), hence the persistent context.
 */
export async function launchChromium(): Promise<LaunchedChromium | undefined> {
  if (!chromiumAvailable()) return undefined;
  const profile = await mkdtemp(path.join(tmpdir(), 'dn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    // The unsubscribe pages' CSP (default-src 'none') would block the injected axe-core; the pages stay as served.
    bypassCSP: true,
  });
  return {
    context,
    newPage: async (viewport) => {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface A11yViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Runs axe-core in the page; returns the serious and critical violations, one line of detail each. */
export async function checkA11y(page: Page): Promise<A11yViolation[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeResult[] }> } }).axe;
    type AxeResult = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * A temp folder for one test file's screenshots, kept after the run (outside the run's own temp folder); `shoot`
 * saves a full-page PNG there and prints its path.
 */
export async function createScreenshots(prefix: string) {
  const dir = await mkdtemp(path.join(process.env.DN_TEST_KEEP_DIR ?? tmpdir(), `dn-screens-${prefix}-`));
  return {
    dir,
    async shoot(page: Page, name: string): Promise<string> {
      const file = path.join(dir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${file}`);
      return file;
    },
  };
}
