import {
  ApartmentOutlined,
  AuditOutlined,
  BarChartOutlined,
  CloudServerOutlined,
  DashboardOutlined,
  KeyOutlined,
  LogoutOutlined,
  MessageOutlined,
} from '@ant-design/icons';
import { Button, Layout, Menu, Space, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useI18n } from './i18n.js';
import { visiblePages, type PageKey } from './nav.js';
import { useSession } from './session.js';

const ICONS: Record<PageKey, ReactNode> = {
  dashboard: <DashboardOutlined />,
  models: <CloudServerOutlined />,
  keys: <KeyOutlined />,
  orgs: <ApartmentOutlined />,
  usage: <BarChartOutlined />,
  playground: <MessageOutlined />,
  audit: <AuditOutlined />,
};

/** The frame around every page: the role-aware menu, who is logged in, language, logout. */
export function Shell({ children }: { children: ReactNode }) {
  const { t, locale, setLocale } = useI18n();
  const { me, logout } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  if (!me) return null;
  const pages = visiblePages(me.roles, me.kind);
  const current = pages.find((p) => p.path === location.pathname)?.key;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={64} theme="light" width={200}>
        <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 18 }}>
          {t.product}
          <div style={{ fontSize: 12, fontWeight: 400, color: '#595959' }}>{t.productLong}</div>
        </div>
        <nav aria-label="main">
          <Menu
            mode="inline"
            selectedKeys={current ? [current] : []}
            items={pages.map((p) => ({ key: p.key, icon: ICONS[p.key], label: t.nav[p.key] }))}
            onClick={({ key }) => {
              const page = pages.find((p) => p.key === key);
              if (page) void navigate(page.path);
            }}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            display: 'flex',
            justifyContent: 'flex-end',
            padding: '0 24px',
          }}
        >
          <Space size="middle">
            <Typography.Text data-testid="whoami">{me.name}</Typography.Text>
            {me.roles.map((r) => (
              <Tag key={r} color="blue">
                {t.roles[r]}
              </Tag>
            ))}
            <Button
              type="link"
              onClick={() => setLocale(locale === 'zh-CN' ? 'en-US' : 'zh-CN')}
              lang={locale === 'zh-CN' ? 'en' : 'zh'}
            >
              {t.language}
            </Button>
            <Button
              icon={<LogoutOutlined />}
              onClick={() => void logout().then(() => navigate('/login'))}
            >
              {t.common.logout}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <main>{children}</main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
