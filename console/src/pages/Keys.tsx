import {
  App,
  Button,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { api } from '../api.js';
import { formatTime, useI18n } from '../i18n.js';
import { Loading, useErrorText, useLoad } from '../Load.js';
import { useSession } from '../session.js';
import type { KeyInfo, Org, Role } from '../types.js';

const CREATORS: Role[] = ['sysadmin', 'org_admin', 'developer'];
const REVOKERS: Role[] = ['sysadmin', 'secadmin', 'org_admin', 'developer'];
const LEVELS = ['general-1', 'general-2', 'general-3', 'general-4', 'important', 'core'];

const split = (text?: string) =>
  (text ?? '')
    .split(/[,，\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** API keys in the caller's scope: create (the key is shown once), list, revoke. */
export function Keys() {
  const { t, locale } = useI18n();
  const { me } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const keys = useLoad(() => api<{ data: KeyInfo[] }>('GET', '/api/v1/keys'), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const has = (roles: Role[]) =>
    me?.kind === 'operator' || roles.some((r) => me?.roles.includes(r));

  const revoke = async (id: string) => {
    try {
      await api('DELETE', `/api/v1/keys/${encodeURIComponent(id)}`);
      keys.reload();
    } catch (err) {
      void message.error(errorText(err));
    }
  };

  const status = (k: KeyInfo) =>
    k.revoked_at ? (
      <Tag color="red">{t.keys.revoked}</Tag>
    ) : k.expires_at && new Date(k.expires_at) < new Date() ? (
      <Tag>{t.keys.expired}</Tag>
    ) : (
      <Tag color="green">{t.keys.active}</Tag>
    );

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3}>{t.keys.title}</Typography.Title>
        {has(CREATORS) && (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t.keys.create}
          </Button>
        )}
      </Space>
      <Loading state={keys}>
        {({ data }) => (
          <Table
            rowKey="id"
            dataSource={data}
            scroll={{ x: 1200 }}
            columns={[
              { title: t.keys.name, dataIndex: 'name' },
              { title: t.keys.org, dataIndex: 'org' },
              {
                title: t.keys.prefix,
                dataIndex: 'prefix',
                render: (p: string) => <code>{p}…</code>,
              },
              {
                title: t.keys.models,
                dataIndex: 'models',
                render: (m: string[] | null) => (m ? m.join(', ') : t.keys.allModels),
              },
              {
                title: t.keys.ipAllow,
                dataIndex: 'ip_allow',
                render: (ips: string[] | null) => (ips ? ips.join(', ') : '—'),
              },
              {
                title: t.keys.expires,
                dataIndex: 'expires_at',
                render: (v: string | null) => formatTime(v, locale),
              },
              {
                title: t.keys.dataLevel,
                dataIndex: 'data_level',
                render: (v: string | null) => v ?? '—',
              },
              { title: t.keys.status, key: 'status', render: (_v, k) => status(k) },
              {
                title: t.keys.createdAt,
                dataIndex: 'created_at',
                render: (v: string) => formatTime(v, locale),
              },
              { title: t.keys.createdBy, dataIndex: 'created_by' },
              {
                title: t.keys.actions,
                key: 'actions',
                render: (_v, k) =>
                  has(REVOKERS) && !k.revoked_at ? (
                    <Popconfirm title={t.keys.revokeConfirm} onConfirm={() => void revoke(k.id)}>
                      <Button danger size="small">
                        {t.keys.revoke}
                      </Button>
                    </Popconfirm>
                  ) : null,
              },
            ]}
          />
        )}
      </Loading>
      {creating && (
        <CreateKey
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
            keys.reload();
          }}
        />
      )}
      <Modal
        open={created !== null}
        title={t.keys.createdTitle}
        onCancel={() => setCreated(null)}
        footer={<Button onClick={() => setCreated(null)}>{t.common.close}</Button>}
      >
        <Typography.Paragraph type="warning">{t.keys.shownOnce}</Typography.Paragraph>
        <Typography.Paragraph copyable={{ text: created ?? '' }}>
          <code data-testid="new-key">{created}</code>
        </Typography.Paragraph>
      </Modal>
    </>
  );
}

interface KeyForm {
  org: string;
  name: string;
  models?: string[];
  ip_allow?: string;
  expires?: string;
  data_level?: string;
}

function CreateKey({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (key: string) => void;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [form] = Form.useForm<KeyForm>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const orgs = useLoad(() => api<{ data: Org[] }>('GET', '/api/v1/orgs'), []);
  const models = useLoad(() => api<{ data: { name: string }[] }>('GET', '/api/v1/models'), []);

  const submit = async (v: KeyForm) => {
    setBusy(true);
    setError(null);
    try {
      const reply = await api<{ key: string }>('POST', '/api/v1/keys', {
        org: v.org,
        name: v.name,
        ...(v.models?.length ? { models: v.models } : {}),
        ...(split(v.ip_allow).length ? { ip_allow: split(v.ip_allow) } : {}),
        ...(v.expires ? { expires: v.expires.trim() } : {}),
        ...(v.data_level ? { data_level: v.data_level } : {}),
      });
      onCreated(reply.key);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t.keys.create}
      onCancel={onClose}
      okText={t.keys.create}
      cancelText={t.common.cancel}
      confirmLoading={busy}
      onOk={() => form.submit()}
    >
      {error && (
        <Typography.Paragraph type="danger" role="alert">
          {error}
        </Typography.Paragraph>
      )}
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item label={t.keys.org} name="org" rules={[{ required: true }]}>
          <Select
            showSearch
            optionFilterProp="label"
            loading={orgs.loading}
            options={(orgs.data?.data ?? []).map((o) => ({
              value: o.code,
              label: `${o.name} (${o.code})`,
            }))}
          />
        </Form.Item>
        <Form.Item label={t.keys.name} name="name" rules={[{ required: true, max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t.keys.models} name="models">
          <Select
            mode="multiple"
            allowClear
            placeholder={t.keys.allModels}
            options={(models.data?.data ?? []).map((m) => ({ value: m.name, label: m.name }))}
          />
        </Form.Item>
        <Form.Item label={t.keys.ipAllow} name="ip_allow" extra={t.keys.ipAllowHint}>
          <Input />
        </Form.Item>
        <Form.Item label={t.keys.expires} name="expires" extra={t.keys.expiresHint}>
          <Input />
        </Form.Item>
        <Form.Item label={t.keys.dataLevel} name="data_level">
          <Select allowClear options={LEVELS.map((l) => ({ value: l, label: l }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
