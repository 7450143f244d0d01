import { createServer } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/store/index.js';
import { startOidcProvider, type OidcProviderDouble } from '../support/oidc-provider.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { launchBrowser } from '../console/browser.js';
import { createUser } from './harness.js';

/**
 * Console login through an OpenID Connect provider (the double speaks the real protocol): the
 * whole redirect dance by hand, every way the provider's answer can be wrong, and once through
 * the console in a real browser.
 */
const CLIENT = { id: 'zhongshu-console', secret: 'oidc-test-secret' };

let idp: OidcProviderDouble;
let hub: TestHub;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  idp = await startOidcProvider(CLIENT);
  const port = await freePort();
  hub = await startHub(
    {
      ...gatewayConfig({}, []),
      port,
      oidc: {
        issuer: idp.issuer,
        client_id: CLIENT.id,
        client_secret_env: 'OIDC_CLIENT_SECRET',
        redirect_url: `http://127.0.0.1:${port}/api/v1/auth/oidc/callback`,
        label: '广东省统一身份认证',
      },
    },
    { OIDC_CLIENT_SECRET: CLIENT.secret },
  );
  await createUser(hub, 'zhang.san', 'gd-gz', ['developer']);
});

afterAll(async () => {
  await hub?.close();
  await idp?.close();
});

/** The redirects a browser would follow, by hand: returns where the hub finally sends it. */
async function loginAs(user: string, alter?: (callback: URL) => void): Promise<URL> {
  idp.user = user;
  const start = await fetch(`${hub.url}/api/v1/auth/oidc/login`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
  const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const callback = new URL(authorize.headers.get('location')!);
  alter?.(callback);
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie } });
  expect(done.status).toBe(302);
  return new URL(done.headers.get('location')!, hub.url);
}

const tokenOf = (landing: URL) => new URLSearchParams(landing.hash.slice(1)).get('oidc_token');

describe('OIDC login', () => {
  it('tells the console which login methods there are', async () => {
    const res = await fetch(`${hub.url}/api/v1/auth/methods`);
    expect(await res.json()).toEqual({ password: true, oidc: { label: '广东省统一身份认证' } });
  });

  it('opens a session for the account the provider vouches for, with PKCE and a nonce', async () => {
    const landing = await loginAs('zhang.san');
    expect(landing.pathname).toBe('/login');
    const token = tokenOf(landing);
    expect(token).toMatch(/^zss-/);
    const me = await hub.api<{ name: string; roles: string[]; must_change_password: boolean }>(
      'GET',
      '/api/v1/me',
      undefined,
      token!,
    );
    // The account's initial password is still unchanged, but this session did not use it.
    expect(me.body).toMatchObject({
      name: 'zhang.san',
      roles: ['developer'],
      must_change_password: false,
    });
    const keys = await hub.api('GET', '/api/v1/keys', undefined, token!);
    expect(keys.status).toBe(200);
    const [event] = await hub.hub.store.db
      .select()
      .from(schema.loginEvents)
      .where(eq(schema.loginEvents.username, 'zhang.san'));
    expect(event).toMatchObject({ outcome: 'success', method: 'oidc' });
    expect(idp.refused).toEqual([]);
  });

  it('refuses someone the hub has no account for: the provider does not create accounts', async () => {
    const landing = await loginAs('li.si');
    expect(landing.searchParams.get('oidc_error')).toBe('unknown_user');
    expect(tokenOf(landing)).toBeNull();
  });

  it.each([
    ['signature', 'signed with a key the provider does not publish'],
    ['nonce', 'answering another login'],
    ['audience', 'meant for another client'],
    ['expired', 'expired'],
    ['issuer', 'from another issuer'],
  ] as const)('refuses an ID token with a bad %s (%s)', async (tamper, _why) => {
    idp.tamper = tamper;
    try {
      const landing = await loginAs('zhang.san');
      expect(landing.searchParams.get('oidc_error')).toBe('invalid_id_token');
      expect(tokenOf(landing)).toBeNull();
    } finally {
      idp.tamper = null;
    }
  });

  it('refuses an answer for another login (state) and one without the login cookie', async () => {
    const swapped = await loginAs('zhang.san', (cb) => cb.searchParams.set('state', 'forged'));
    expect(swapped.searchParams.get('oidc_error')).toBe('state_mismatch');
    const bare = await fetch(`${hub.url}/api/v1/auth/oidc/callback?code=x&state=y`, {
      redirect: 'manual',
    });
    expect(new URL(bare.headers.get('location')!, hub.url).searchParams.get('oidc_error')).toBe(
      'state_mismatch',
    );
  });

  it('logs in from the console with the provider button', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      idp.user = 'zhang.san';
      await page.goto(`${hub.url}/login`);
      await page.getByRole('link', { name: '广东省统一身份认证' }).click();
      await page.getByTestId('whoami').waitFor();
      expect(await page.getByTestId('whoami').innerText()).toBe('zhang.san');
      // The token left the address bar at once.
      expect(new URL(page.url()).hash).toBe('');
      idp.user = 'li.si';
      await page.getByRole('button', { name: '退出登录' }).click();
      await page.getByRole('link', { name: '广东省统一身份认证' }).click();
      await page.getByRole('alert').getByText('中枢中没有这个账号').waitFor();
    } finally {
      await browser.close();
    }
  });
});
