import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { I18nProvider, useI18n } from './i18n.js';
import { canOpen, visiblePages, type PageKey } from './nav.js';
import { Audit } from './pages/Audit.js';
import { Dashboard } from './pages/Dashboard.js';
import { Keys } from './pages/Keys.js';
import { Login } from './pages/Login.js';
import { Models } from './pages/Models.js';
import { Orgs } from './pages/Orgs.js';
import { Playground } from './pages/Playground.js';
import { Usage } from './pages/Usage.js';
import { SessionProvider, useSession } from './session.js';
import { Shell } from './Shell.js';

/** A page for a logged-in caller whose roles allow it; anything else is sent where it belongs. */
function Guarded({ page, children }: { page: PageKey; children: ReactNode }) {
  const { me, checking } = useSession();
  const { t } = useI18n();
  if (checking) return <Spin fullscreen />;
  if (!me || me.must_change_password) return <Navigate to="/login" replace />;
  if (!canOpen(me.roles, me.kind, page)) {
    const first = visiblePages(me.roles, me.kind)[0];
    // The start page is not for everyone: go to the first page this caller may use.
    if (page === 'dashboard' && first) return <Navigate to={first.path} replace />;
    return (
      <Shell>
        <Result status="403" title="403" subTitle={t.common.forbidden} />
      </Shell>
    );
  }
  return <Shell>{children}</Shell>;
}

function Localised({ children }: { children: ReactNode }) {
  const { locale } = useI18n();
  return (
    <ConfigProvider
      locale={locale === 'zh-CN' ? zhCN : enUS}
      theme={{ token: { colorPrimary: '#1f5fbf', borderRadius: 4 } }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title="404" subTitle={t.common.notFound} />;
}

export function App() {
  return (
    <I18nProvider>
      <Localised>
        <SessionProvider>
          <BrowserRouter>
            <Routes>
              <Route path="/login" element={<Login />} />
              <Route
                path="/"
                element={
                  <Guarded page="dashboard">
                    <Dashboard />
                  </Guarded>
                }
              />
              <Route
                path="/keys"
                element={
                  <Guarded page="keys">
                    <Keys />
                  </Guarded>
                }
              />
              <Route
                path="/models"
                element={
                  <Guarded page="models">
                    <Models />
                  </Guarded>
                }
              />
              <Route
                path="/orgs"
                element={
                  <Guarded page="orgs">
                    <Orgs />
                  </Guarded>
                }
              />
              <Route
                path="/usage"
                element={
                  <Guarded page="usage">
                    <Usage />
                  </Guarded>
                }
              />
              <Route
                path="/playground"
                element={
                  <Guarded page="playground">
                    <Playground />
                  </Guarded>
                }
              />
              <Route
                path="/audit"
                element={
                  <Guarded page="audit">
                    <Audit />
                  </Guarded>
                }
              />
              <Route path="*" element={<NotFound />} />
            </Routes>
          </BrowserRouter>
        </SessionProvider>
      </Localised>
    </I18nProvider>
  );
}
