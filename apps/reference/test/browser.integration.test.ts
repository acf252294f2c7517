// The newcomer's path in a real browser: Debian's chromium driven by playwright-core. Log in with the
// first admin key, submit a link to the local sample site, watch its status change live to summarised,
// search for it, read it, and open the admin view (topology drawn from the composition, trigger charts).
// Screenshots are kept in test-results/ as artifacts.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startApp, type RunningApp } from '../src/app.js';
import { tempDir } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') throw new Error(`chromium not found at ${CHROMIUM} (CI=true: browser tests must run)`);
const shots = join(import.meta.dirname, '..', 'test-results');

describe.skipIf(!available)(`reading room in a real browser (${available ? CHROMIUM : `skipped: no chromium at ${CHROMIUM}`})`, () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let data: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    data = await tempDir();
    await mkdir(shots, { recursive: true });
    app = await startApp({ dataDir: data.dir, port: 0, monitorIntervalMs: 300 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(20_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await data?.remove();
  });

  it('logs in, submits a link, sees it summarised live, searches and reads it', async () => {
    await page.goto(app.url!);
    await page.fill('#api-key', app.firstAdminKey!);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#app:not([hidden])');
    await page.fill('#url', app.sampleSite!.articles[0]!);
    await page.fill('#tags', 'intro, architecture');
    await page.click('#submit-form button[type=submit]');
    await page.waitForSelector('#documents li [data-status]');
    await page.waitForSelector('#documents li [data-status="summarised"]');
    await page.screenshot({ path: join(shots, 'library.png'), fullPage: true });
    expect(await page.textContent('#documents li .title')).toContain('The cellular monolith');
    expect(await page.textContent('#documents li .summary')).toContain('cellular monolith');

    await page.click('nav button[data-view="search"]');
    await page.fill('#q', 'sandboxed peripheries');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('#hits li[data-id]');
    expect(await page.textContent('#hits li mark')).toMatch(/sandbox|peripher/iu);
    await page.screenshot({ path: join(shots, 'search.png') });

    await page.click('#hits li[data-id]');
    await page.waitForSelector('#document h2');
    expect(await page.textContent('#document h2')).toBe('The cellular monolith');
    expect(await page.textContent('#document .text')).toContain('single hardened gateway');
    await page.screenshot({ path: join(shots, 'document.png'), fullPage: true });
  });

  it('shows admins the live topology and trigger charts', async () => {
    await page.click('nav button[data-view="admin"]');
    await page.waitForSelector('#topology svg text[data-cell="fetcher"]');
    const cells = await page.$$eval('#topology svg text[data-cell]', (els) => els.map((e) => e.getAttribute('data-cell')));
    expect(cells.sort()).toEqual(['fetcher', 'library', 'ops', 'search', 'summarizer']);
    expect(await page.$$('#topology svg line[data-relation]')).not.toHaveLength(0);
    await page.waitForSelector('#charts svg[data-signal="process.cpu_percent"]');
    expect(await page.$$('#rules tr[data-rule]')).not.toHaveLength(0);
    await page.screenshot({ path: join(shots, 'admin.png'), fullPage: true });
  });

  it('refuses a wrong key with a message and never shows data', async () => {
    const other = await browser.newPage();
    await other.goto(app.url!);
    await other.fill('#api-key', 'ck_not_a_real_key');
    await other.click('#login-form button[type=submit]');
    await other.waitForSelector('#login-error:text("not accepted")');
    expect(await other.isHidden('#app')).toBe(true);
    await other.close();
  });
});
