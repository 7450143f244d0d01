import {
  Alert,
  Button,
  Card,
  Descriptions,
  Drawer,
  Form,
  Input,
  Space,
  Table,
  Typography,
} from 'antd';
import { useState } from 'react';
import { api, query } from '../api.js';
import { fill, formatTime, useI18n } from '../i18n.js';
import { useErrorText } from '../Load.js';
import type { LedgerEntry, VerifyReport } from '../types.js';

interface Filter {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  org?: string;
  request_id?: string;
}

interface Page {
  data: LedgerEntry[];
  next_before_seq: number | null;
}

/**
 * The auditor's ledger: search by time, actor, organisation, action and request id, newest first;
 * open an entry (its call content, decrypted, is itself recorded as read); verify the chain.
 */
export function Audit() {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const [filter, setFilter] = useState<Filter>({});
  const [rows, setRows] = useState<LedgerEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [verify, setVerify] = useState<VerifyReport | null>(null);
  const [open, setOpen] = useState<LedgerEntry | null>(null);

  const search = async (f: Filter, before?: number) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api<Page>(
        'GET',
        `/api/v1/ledger/entries${query({ ...f, limit: 50, before_seq: before })}`,
      );
      setRows((current) => (before ? [...current, ...page.data] : page.data));
      setNext(page.next_before_seq);
      setFilter(f);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  };

  const runVerify = async () => {
    setError(null);
    try {
      setVerify(await api<VerifyReport>('GET', '/api/v1/ledger/verify'));
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3}>{t.audit.title}</Typography.Title>
        <Button onClick={() => void runVerify()}>{t.audit.verify}</Button>
      </Space>
      {verify && (
        <Alert
          style={{ marginBottom: 16 }}
          type={verify.ok ? 'success' : 'error'}
          showIcon
          data-testid="verify-result"
          message={
            verify.ok
              ? fill(t.audit.verifyOk, { entries: verify.entries, checkpoints: verify.checkpoints })
              : fill(t.audit.verifyBad, {
                  seq: verify.first_bad?.seq ?? '?',
                  problem: verify.first_bad?.problem ?? '',
                })
          }
        />
      )}
      <Card style={{ marginBottom: 16 }}>
        <Form
          layout="inline"
          onFinish={(v: Filter) =>
            void search(Object.fromEntries(Object.entries(v).filter(([, x]) => x)))
          }
        >
          <Form.Item label={t.audit.from} name="from">
            <Input type="date" />
          </Form.Item>
          <Form.Item label={t.audit.to} name="to">
            <Input type="date" />
          </Form.Item>
          <Form.Item label={t.audit.actor} name="actor">
            <Input placeholder="user:… / key:…" />
          </Form.Item>
          <Form.Item label={t.audit.action} name="action">
            <Input placeholder="call.*" />
          </Form.Item>
          <Form.Item label={t.audit.org} name="org">
            <Input />
          </Form.Item>
          <Form.Item label={t.audit.requestId} name="request_id">
            <Input />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={loading}>
            {t.common.search}
          </Button>
        </Form>
      </Card>
      {error && (
        <Alert type="error" showIcon message={error} role="alert" style={{ marginBottom: 16 }} />
      )}
      <Table
        rowKey="seq"
        loading={loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 1000 }}
        onRow={(entry) => ({ onClick: () => setOpen(entry), style: { cursor: 'pointer' } })}
        columns={[
          { title: t.audit.seq, dataIndex: 'seq', width: 80 },
          { title: t.audit.at, dataIndex: 'at', render: (v: string) => formatTime(v, locale) },
          { title: t.audit.actor, dataIndex: 'actor' },
          { title: t.audit.org, dataIndex: 'org' },
          { title: t.audit.action, dataIndex: 'action' },
          { title: t.audit.object, dataIndex: 'object', ellipsis: true },
          { title: t.audit.outcome, dataIndex: 'outcome' },
          { title: t.audit.requestId, dataIndex: 'request_id', ellipsis: true },
        ]}
      />
      {next !== null && (
        <Button
          style={{ marginTop: 16 }}
          onClick={() => void search(filter, next)}
          loading={loading}
        >
          {t.audit.more}
        </Button>
      )}
      {open && <EntryDrawer entry={open} onClose={() => setOpen(null)} />}
    </>
  );
}

function EntryDrawer({ entry, onClose }: { entry: LedgerEntry; onClose: () => void }) {
  const { t, locale } = useI18n();
  const errorText = useErrorText();
  const [content, setContent] = useState<{ status: string; content: unknown } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      const r = await api<{ content: unknown; content_status: string }>(
        'GET',
        `/api/v1/ledger/entries/${entry.seq}`,
      );
      setContent({ status: r.content_status, content: r.content });
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Drawer open width={640} title={`${t.audit.detail} #${entry.seq}`} onClose={onClose}>
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t.audit.at}>{formatTime(entry.at, locale)}</Descriptions.Item>
        <Descriptions.Item label={t.audit.actor}>{entry.actor}</Descriptions.Item>
        <Descriptions.Item label={t.audit.action}>{entry.action}</Descriptions.Item>
        <Descriptions.Item label={t.audit.object}>{entry.object}</Descriptions.Item>
        <Descriptions.Item label={t.audit.outcome}>{entry.outcome}</Descriptions.Item>
        <Descriptions.Item label={t.audit.ip}>{entry.ip}</Descriptions.Item>
        <Descriptions.Item label={t.audit.requestId}>{entry.request_id}</Descriptions.Item>
      </Descriptions>
      <pre style={{ whiteSpace: 'pre-wrap', fontSize: 12, marginTop: 16 }}>
        {JSON.stringify(entry.detail, null, 2)}
      </pre>
      {entry.request_id && !content && (
        <Button onClick={() => void load()}>{t.audit.content}</Button>
      )}
      {error && <Alert type="error" message={error} />}
      {content && (
        <Card size="small" title={`${t.audit.content} · ${content.status}`}>
          <pre style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>
            {JSON.stringify(content.content, null, 2)}
          </pre>
        </Card>
      )}
    </Drawer>
  );
}
