import {
  App,
  Button,
  Card,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useState } from 'react';
import { api } from '../api.js';
import { fill } from '../i18n.js';
import { Loading, useErrorText, useLoad } from '../Load.js';
import { useSession } from '../session.js';
import type { Role } from '../types.js';
import { CircuitTag, type Domain, type EndpointView } from './EndpointHealth.js';
import { ModelEditor, type ModelView } from './ModelEditor.js';
import { useText } from './models.messages.js';

interface Probe {
  endpoint: string;
  ok: boolean;
  model: string | null;
  status: number | null;
  latency_ms: number;
  error: string | null;
  message: string | null;
}

const LEVELS = ['general-1', 'general-2', 'general-3', 'general-4', 'important', 'core'];
/** The most each domain may receive (docs/guard.md); a clearance is tightened below it only. */
const CEILING: Record<Domain, string> = {
  internet: 'general-2',
  'gov-extranet': 'general-4',
  'gov-cloud': 'important',
  'gov-intranet': 'core',
};
const ENDPOINT_READERS: Role[] = ['sysadmin', 'secadmin', 'auditor'];

/**
 * The public models and where they route; for the three administrators also the endpoints with
 * their domain, clearance and circuit state. The system administrator can test an endpoint with
 * one real call, the security administrator tighten its clearance.
 */
export function Models() {
  const text = useText();
  const { me } = useSession();
  const is = (roles: Role[]) => me?.kind === 'operator' || roles.some((r) => me?.roles.includes(r));
  const { message } = App.useApp();
  const errorText = useErrorText();
  const canEdit = is(['sysadmin']);
  const models = useLoad(() => api<{ data: ModelView[] }>('GET', '/api/v1/models'), []);
  const endpointNames = useLoad(
    async () =>
      canEdit
        ? (await api<{ data: EndpointView[] }>('GET', '/api/v1/endpoints')).data.map((e) => e.name)
        : [],
    [canEdit],
  );
  const [editing, setEditing] = useState<ModelView | 'new' | null>(null);
  const remove = async (name: string) => {
    try {
      await api('DELETE', `/api/v1/models/${encodeURIComponent(name)}`);
      void message.success(fill(text.removedModel, { name }));
      models.reload();
    } catch (err) {
      void message.error(errorText(err));
    }
  };
  return (
    <>
      <Typography.Title level={3}>{text.title}</Typography.Title>
      <Card
        title={text.models}
        extra={
          canEdit && (
            <Button type="primary" onClick={() => setEditing('new')}>
              {text.newModel}
            </Button>
          )
        }
      >
        <Loading state={models} empty={(d) => d.data.length === 0}>
          {({ data }) => (
            <Table
              rowKey="name"
              size="small"
              pagination={false}
              dataSource={data}
              columns={[
                { title: text.name, dataIndex: 'name' },
                { title: text.description, dataIndex: 'description' },
                {
                  title: text.targets,
                  dataIndex: 'targets',
                  render: (targets: ModelView['targets']) =>
                    targets.map((t) => (
                      <div key={t.endpoint + t.upstream_model}>
                        {t.endpoint} × {t.weight} → <code>{t.upstream_model}</code>
                      </div>
                    )),
                },
                {
                  title: text.fallback,
                  dataIndex: 'fallback',
                  render: (f: string[]) => (f.length ? f.join(' → ') : text.none),
                },
                {
                  title: text.source,
                  dataIndex: 'source',
                  render: (source: ModelView['source']) =>
                    source === 'config' ? (
                      <Tooltip title={text.fromConfigHint}>
                        <Tag>{text.fromConfig}</Tag>
                      </Tooltip>
                    ) : (
                      <Tag color="blue">{text.fromApi}</Tag>
                    ),
                },
                ...(canEdit
                  ? [
                      {
                        title: text.actions,
                        key: 'actions',
                        render: (_v: unknown, m: ModelView) =>
                          m.source === 'api' && (
                            <Space>
                              <Button size="small" onClick={() => setEditing(m)}>
                                {text.edit}
                              </Button>
                              <Popconfirm
                                title={text.removeConfirm}
                                onConfirm={() => void remove(m.name)}
                              >
                                <Button size="small" danger>
                                  {text.remove}
                                </Button>
                              </Popconfirm>
                            </Space>
                          ),
                      },
                    ]
                  : []),
              ]}
            />
          )}
        </Loading>
      </Card>
      {editing && (
        <ModelEditor
          model={editing === 'new' ? null : editing}
          endpoints={endpointNames.data ?? []}
          models={(models.data?.data ?? []).map((m) => m.name)}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            models.reload();
          }}
        />
      )}
      {is(ENDPOINT_READERS) && (
        <Endpoints canTest={is(['sysadmin'])} canTighten={is(['secadmin'])} />
      )}
    </>
  );
}

function Endpoints({ canTest, canTighten }: { canTest: boolean; canTighten: boolean }) {
  const text = useText();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const endpoints = useLoad(() => api<{ data: EndpointView[] }>('GET', '/api/v1/endpoints'), []);
  const [testing, setTesting] = useState<string | null>(null);
  const [editing, setEditing] = useState<EndpointView | null>(null);

  const test = async (name: string) => {
    setTesting(name);
    try {
      const r = await api<Probe>('POST', `/api/v1/endpoints/${encodeURIComponent(name)}/test`);
      if (r.ok)
        void message.success(
          fill(text.testOk, { endpoint: name, status: r.status, ms: r.latency_ms, model: r.model }),
        );
      else
        void message.error(
          fill(text.testFailed, { endpoint: name, message: r.message, code: r.error }),
        );
      endpoints.reload();
    } catch (err) {
      void message.error(errorText(err));
    } finally {
      setTesting(null);
    }
  };

  return (
    <Card title={text.endpoints} style={{ marginTop: 16 }}>
      <Loading state={endpoints} empty={(d) => d.data.length === 0}>
        {({ data }) => (
          <Table
            rowKey="name"
            size="small"
            pagination={false}
            scroll={{ x: 1000 }}
            dataSource={data}
            columns={[
              { title: text.name, dataIndex: 'name' },
              { title: text.provider, dataIndex: 'provider' },
              {
                title: text.domain,
                dataIndex: 'domain',
                render: (d: Domain) => text.domains[d] ?? d,
              },
              { title: text.clearance, dataIndex: 'clearance' },
              { title: text.baseUrl, dataIndex: 'base_url', ellipsis: true },
              {
                title: text.circuit,
                key: 'circuit',
                render: (_v, e) => <CircuitTag endpoint={e} />,
              },
              {
                title: text.failures,
                key: 'failures',
                render: (_v, e) => e.health.consecutiveFailures,
              },
              { title: text.lastError, key: 'last', render: (_v, e) => e.health.lastError ?? '—' },
              {
                title: text.actions,
                key: 'actions',
                render: (_v, e) => (
                  <Space>
                    {canTest && (
                      <Button
                        size="small"
                        loading={testing === e.name}
                        onClick={() => void test(e.name)}
                      >
                        {text.test}
                      </Button>
                    )}
                    {canTighten && (
                      <Button size="small" onClick={() => setEditing(e)}>
                        {text.tighten}
                      </Button>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        )}
      </Loading>
      {editing && (
        <Tighten
          endpoint={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            endpoints.reload();
          }}
        />
      )}
    </Card>
  );
}

function Tighten({
  endpoint,
  onClose,
  onSaved,
}: {
  endpoint: EndpointView;
  onClose: () => void;
  onSaved: () => void;
}) {
  const text = useText();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const ceiling = CEILING[endpoint.domain];
  const allowed = LEVELS.slice(0, LEVELS.indexOf(ceiling) + 1);
  const [level, setLevel] = useState(endpoint.clearance);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    try {
      const r = await api<{ effective: string }>(
        'PUT',
        `/api/v1/endpoints/${encodeURIComponent(endpoint.name)}/clearance`,
        { clearance: level },
      );
      void message.success(fill(text.saved, { endpoint: endpoint.name, level: r.effective }));
      onSaved();
    } catch (err) {
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={fill(text.tightenTitle, { endpoint: endpoint.name })}
      okText={text.save}
      confirmLoading={busy}
      onOk={() => void save()}
      onCancel={onClose}
    >
      <Typography.Paragraph>{fill(text.tightenHint, { ceiling })}</Typography.Paragraph>
      <label htmlFor="clearance-level">{text.clearance}</label>
      <Select
        id="clearance-level"
        style={{ width: '100%', marginTop: 8 }}
        value={level}
        onChange={setLevel}
        options={allowed.map((l) => ({ value: l, label: l }))}
      />
    </Modal>
  );
}
