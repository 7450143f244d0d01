import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PASSWORD } from '../identity/harness.js';

/** Where the console tests save the README's screenshots. */
export const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** Debian's chromium (installed by .ci/run), headless, with no network of its own. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A fresh browser context at the size the tests check (1366×768). */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  return context.newPage();
}

/**
 * Log in through the console's form; a first login changes the password to PASSWORD on the way.
 * (Ant Design spaces two-character Chinese button labels: 登 录.)
 */
export async function logIn(
  page: Page,
  hubUrl: string,
  username: string,
  password: string,
  first: boolean,
): Promise<void> {
  await page.goto(hubUrl);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page
    .getByRole('button', { name: '登 录' })
    .or(page.getByRole('button', { name: '登录' }))
    .click();
  if (first) {
    await page.getByLabel('新密码', { exact: true }).fill(PASSWORD);
    await page.getByLabel('确认新密码').fill(PASSWORD);
    await page.getByRole('button', { name: '修改密码并进入' }).click();
  }
  await page.getByTestId('whoami').waitFor();
}
