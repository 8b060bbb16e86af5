// Real Chromium (Debian's) driven by playwright-core; screenshots go to test-artifacts/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { PASSWORD, startHarness, type Harness, type HarnessOptions } from '../api/support/harness.ts';

export const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.HUIYAN_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export async function loginPage(browser: Browser, baseUrl: string, username: string, password = PASSWORD): Promise<Page> {
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${baseUrl}/login.html`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  // A new session reads the data-security notice (数据安全责任告知) first.
  await Promise.all([page.waitForURL(/notice\.html/), page.click('button[type=submit]')]);
  await page.locator('body[data-ready="1"]').waitFor();
  // By path: the notice's own URL names index.html in its ?next=.
  await Promise.all([page.waitForURL((u) => u.pathname === '/index.html'), page.click('#ack')]);
  return page;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: false });

/** The API harness and Chromium that a browser test file shares: open both in `before`, close both in `after`. */
export async function openBrowserHarness(port: number, opts?: HarnessOptions): Promise<{ h: Harness; browser: Browser }> {
  const h = await startHarness(port, opts);
  return { h, browser: await launch() };
}

export async function closeBrowserHarness(h: Harness | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close();
  await h?.close();
}
