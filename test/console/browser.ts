import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
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
 * A button by its label. Ant Design spaces a two-character Chinese label (登 录), so both
 * spellings are accepted.
 */
export function button(scope: Page | Locator, name: string): Locator {
  const exact = scope.getByRole('button', { name, exact: true });
  return [...name].length === 2
    ? scope.getByRole('button', { name: [...name].join(' '), exact: true }).or(exact)
    : exact;
}

/**
 * Log in through the console's form; a first login changes the password to PASSWORD on the way.
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
  await button(page, '登录').click();
  if (first) {
    await page.getByLabel('新密码', { exact: true }).fill(PASSWORD);
    await page.getByLabel('确认新密码').fill(PASSWORD);
    await page.getByRole('button', { name: '修改密码并进入' }).click();
  }
  await page.getByTestId('whoami').waitFor();
}
