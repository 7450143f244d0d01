import { Alert, Button, Card, Divider, Form, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Navigate, useNavigate } from 'react-router-dom';
import { api, ApiError } from '../api.js';
import { fill, useI18n } from '../i18n.js';
import { useErrorText, useLoad } from '../Load.js';
import { useSession } from '../session.js';

interface LoginReply {
  token: string;
  must_change_password: boolean;
}

/**
 * Password login; a generated administrator account must change its password before anything
 * else (the hub refuses every other call until then).
 */
export function Login() {
  const { t, locale, setLocale } = useI18n();
  const session = useSession();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<{ token: string; password: string } | null>(null);
  const methods = useLoad(
    () =>
      api<{ oidc: { label: string } | null }>('GET', '/api/v1/auth/methods', undefined, {
        token: null,
      }),
    [],
  );

  // Back from the identity provider: a session token in the fragment, or an error code.
  useEffect(() => {
    const token = new URLSearchParams(window.location.hash.slice(1)).get('oidc_token');
    const failed = new URLSearchParams(window.location.search).get('oidc_error');
    if (!token && !failed) return;
    // Out of the address bar and the history at once.
    window.history.replaceState(null, '', '/login');
    if (failed)
      setError(
        failed === 'unknown_user'
          ? t.login.oidcUnknownUser
          : failed === 'account_locked'
            ? t.login.locked
            : fill(t.login.oidcFailed, { code: failed }),
      );
    if (token)
      void session
        .login(token)
        .then(() => navigate('/', { replace: true }))
        .catch((err: unknown) => setError(errorText(err)));
    // Once, on arrival.
  }, []);

  if (session.me && !session.me.must_change_password && !pending)
    return <Navigate to="/" replace />;

  const explain = (err: unknown) => {
    if (!(err instanceof ApiError)) return setError(String(err));
    if (err.code === 'invalid_credentials') return setError(t.login.invalid);
    if (err.code === 'account_locked') return setError(t.login.locked);
    setError(errorText(err));
  };

  const login = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const reply = await api<LoginReply>('POST', '/api/v1/auth/login', v, { token: null });
      if (reply.must_change_password) setPending({ token: reply.token, password: v.password });
      else {
        await session.login(reply.token);
        void navigate('/', { replace: true });
      }
    } catch (err) {
      explain(err);
    } finally {
      setBusy(false);
    }
  };

  const change = async (v: { next: string }) => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    try {
      await api(
        'POST',
        '/api/v1/auth/password',
        { current_password: pending.password, new_password: v.next },
        { token: pending.token },
      );
      await session.login(pending.token);
      setPending(null);
      void navigate('/', { replace: true });
    } catch (err) {
      explain(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: '#f0f2f5',
      }}
    >
      <Card style={{ width: 400 }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t.product} · {pending ? t.login.changeTitle : t.login.title}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t.productLong}</Typography.Paragraph>
        {session.ended && !error && (
          <Alert
            type="warning"
            showIcon
            message={t.common.sessionEnded}
            style={{ marginBottom: 16 }}
          />
        )}
        {error && (
          <Alert type="error" showIcon message={error} role="alert" style={{ marginBottom: 16 }} />
        )}
        {pending ? (
          <Form layout="vertical" onFinish={(v: { next: string }) => void change(v)}>
            <Typography.Paragraph>{t.login.changeHint}</Typography.Paragraph>
            <Form.Item label={t.login.next} name="next" rules={[{ required: true, min: 8 }]}>
              <Input.Password autoComplete="new-password" autoFocus />
            </Form.Item>
            <Form.Item
              label={t.login.confirm}
              name="confirm"
              dependencies={['next']}
              rules={[
                { required: true },
                ({ getFieldValue }) => ({
                  validator: (_r, value) =>
                    value === getFieldValue('next')
                      ? Promise.resolve()
                      : Promise.reject(new Error(t.login.mismatch)),
                }),
              ]}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t.login.changeSubmit}
            </Button>
          </Form>
        ) : (
          <Form
            layout="vertical"
            onFinish={(v: { username: string; password: string }) => void login(v)}
          >
            <Form.Item
              label={t.login.username}
              name="username"
              rules={[{ required: true, message: t.login.required }]}
            >
              <Input autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item
              label={t.login.password}
              name="password"
              rules={[{ required: true, message: t.login.required }]}
            >
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t.login.submit}
            </Button>
          </Form>
        )}
        {!pending && methods.data?.oidc && (
          <>
            <Divider plain>{t.login.or}</Divider>
            <Button block href="/api/v1/auth/oidc/login">
              {methods.data.oidc.label}
            </Button>
          </>
        )}
        <Button
          type="link"
          style={{ marginTop: 12, paddingLeft: 0 }}
          onClick={() => setLocale(locale === 'zh-CN' ? 'en-US' : 'zh-CN')}
        >
          {t.language}
        </Button>
      </Card>
    </main>
  );
}
