import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_PASSWORD, initialAdmins } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { launchBrowser, logIn as logInAt, newPage as openPage, SHOTS } from './browser.js';

/**
 * 组织与用户 in a real browser: the sysadmin creates an account in a city, the secadmin grants it
 * a role (the 三员 roles shown as refused) and locks it, the auditor only reads.
 */
const GZ = '广州市政务服务数据管理局';

let hub: TestHub;
let browser: Browser;

beforeAll(async () => {
  hub = await startHub(gatewayConfig({}, []));
  expect(hub.hub.console, 'console/dist is missing: `npm run build` builds it').not.toBeNull();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await hub?.close();
});

const newPage = async () => {
  const page = await openPage(browser);
  page.setDefaultTimeout(8_000);
  return page;
};
const logIn = (page: Page, username: string, password: string, first: boolean) =>
  logInAt(page, hub.url, username, password, first);

/** Log in as one of the generated administrators and open the page from the menu. */
async function openOrgs(role: 'sysadmin' | 'secadmin' | 'auditor'): Promise<Page> {
  const page = await newPage();
  const { username, password } = initialAdmins(hub.dataDir).get(role)!;
  await logIn(page, username, password, true);
  await page
    .getByRole('navigation', { name: 'main' })
    .getByRole('menuitem', { name: '组织与用户' })
    .click();
  await page.getByRole('tree').getByText(GZ).waitFor();
  return page;
}

const userRow = (page: Page, username: string) =>
  page.getByRole('row', { name: new RegExp(username) });

describe('组织与用户', () => {
  it('the system administrator sees the tree and creates a user in Guangzhou', async () => {
    const page = await openOrgs('sysadmin');
    // Choosing the city narrows the list and preselects it for the new account.
    await page.getByRole('tree').getByText(GZ).click();
    await page.getByText(`${GZ}（含下级单位）的用户`).waitFor();
    await page.getByRole('button', { name: '新建用户' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('用户名').fill('gz-dev1');
    await expect(dialog.getByTitle(`${GZ} (gd-gz)`).isVisible()).resolves.toBe(true);
    // The hub's refusal is shown with its code.
    await dialog.getByLabel('初始密码').fill('weakpass');
    await dialog.getByRole('button', { name: '新建用户' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'weak_password' }).waitFor();
    await dialog.getByLabel('初始密码').fill(FIRST_PASSWORD);
    await dialog.getByRole('button', { name: '新建用户' }).click();
    await userRow(page, 'gz-dev1').waitFor();
    await expect(userRow(page, 'gz-dev1').innerText()).resolves.toContain(GZ);
    await expect(userRow(page, 'gz-dev1').innerText()).resolves.toContain('无角色');
    // The sysadmin grants no roles and locks nobody (三员分立).
    expect(await page.getByRole('button', { name: '角色' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: '锁定' }).count()).toBe(0);
    await page.close();
  });

  it('the security administrator grants developer, cannot add a 三员 role, and locks the account', async () => {
    const page = await openOrgs('secadmin');
    expect(await page.getByRole('button', { name: '新建用户' }).count()).toBe(0);
    await userRow(page, 'gz-dev1').getByRole('button', { name: '角色' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('三员分立').first().waitFor();
    await dialog.getByTestId('role-developer').getByRole('button', { name: '授予' }).click();
    await dialog.getByTestId('role-developer').getByRole('button', { name: '撤销' }).waitFor();
    for (const role of ['sysadmin', 'secadmin', 'auditor'])
      await expect(
        dialog.getByTestId(`role-${role}`).getByRole('button', { name: '授予' }).isDisabled(),
      ).resolves.toBe(true);
    // member may still be added next to developer.
    await expect(
      dialog.getByTestId('role-member').getByRole('button', { name: '授予' }).isEnabled(),
    ).resolves.toBe(true);
    await dialog
      .getByTestId('role-auditor')
      .getByRole('button', { name: '授予' })
      .hover({ force: true });
    await page.getByRole('tooltip').filter({ hasText: '三员分立' }).waitFor();
    await dialog.locator('.ant-modal-close').click();
    await dialog.waitFor({ state: 'hidden' });
    await userRow(page, 'gz-dev1').getByText('开发者').waitFor();

    await userRow(page, 'gz-dev1').getByRole('button', { name: '锁定' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '锁定' }).click();
    await userRow(page, 'gz-dev1').getByText('已锁定').waitFor();
    await userRow(page, 'gz-dev1').getByRole('button', { name: '解锁' }).waitFor();
    // The page without the passing success messages.
    await expect
      .poll(() => page.locator('.ant-message-notice').count(), { timeout: 8_000 })
      .toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'orgs.png'), fullPage: true });

    const users = await hub.api<{ data: { username: string; locked: boolean; roles: string[] }[] }>(
      'GET',
      '/api/v1/users',
    );
    expect(users.body.data.find((u) => u.username === 'gz-dev1')).toMatchObject({
      locked: true,
      roles: ['developer'],
    });
    await page.close();
  });

  it('the auditor reads the page and can change nothing', async () => {
    const page = await openOrgs('auditor');
    await userRow(page, 'gz-dev1').getByText('已锁定').waitFor();
    for (const name of ['新建用户', '角色', '锁定', '解锁'])
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    await page.close();
  });
});
