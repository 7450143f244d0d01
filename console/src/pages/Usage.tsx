import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  Radio,
  Row,
  Select,
  Space,
  Spin,
  Statistic,
  Table,
  Tabs,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, query, sessionToken } from '../api.js';
import { Chart, type ChartOption } from '../Chart.js';
import { fill, formatTime, shanghaiDay, useI18n } from '../i18n.js';
import { Loading, useErrorText, useLoad } from '../Load.js';
import { useSession } from '../session.js';
import type { Org } from '../types.js';
import { useText, type UsageText } from './usage.messages.js';

type Group = 'model' | 'org' | 'day' | 'month' | 'key';
const GROUPS: Group[] = ['day', 'model', 'org', 'month', 'key'];
type Field = keyof UsageText['fields'];
/** What labels a row of each breakdown (docs/metering.md); the first field tells rows apart. */
const LABELS: Record<Group, Field[]> = {
  model: ['model'],
  org: ['org', 'org_name'],
  day: ['day'],
  month: ['month'],
  key: ['key_name', 'key_prefix', 'org'],
};
const TOKENS = ['prompt_tokens', 'completion_tokens', 'cached_tokens', 'total_tokens'] as const;
const COUNTS = ['requests', 'errors', ...TOKENS] as const;
const PRICES = ['input_per_1k', 'cached_input_per_1k', 'output_per_1k'] as const;
const AMOUNTS: Field[] = ['cost', 'avg_latency_ms', 'amount', 'amount_rounded'];
const RIGHT = new Set<Field>([...COUNTS, ...PRICES, ...AMOUNTS]);

/** Usage totals as the API sends them; `cost` is exact CNY with nine decimals. */
type Totals = Record<(typeof COUNTS)[number], number> & {
  cost: string;
  avg_latency_ms: number | null;
};
type UsageRow = Totals & Partial<Record<Exclude<Field, keyof Totals> | 'key_id', string | null>>;
interface Report {
  org: { code: string; name: string };
  from: string;
  to: string;
  totals: Totals;
  breakdowns: Partial<Record<Group, UsageRow[]>>;
}

type BillTotal = Omit<Totals, 'errors' | 'cost' | 'avg_latency_ms'> & {
  amount: string;
  amount_rounded: string;
};
type BillLine = BillTotal &
  Record<'org' | 'org_name' | 'model', string> &
  Record<'price_from' | 'note' | (typeof PRICES)[number], string | null>;
type Bill = Pick<Report, 'org' | 'from' | 'to'> &
  Record<'month' | 'currency' | 'recorded_cost' | 'generated_at', string> & {
    lines: BillLine[];
    total: BillTotal;
    unpriced_models: string[];
  };

/** An exact amount without the trailing zeros of its nine decimals (at least two kept). */
const yuan = (exact: string) => exact.replace(/(\.\d\d\d*?)0+$/, '$1');

/** Every day from `from` to `to`, so quiet days show as zero; null past a year (bars only). */
function everyDay(from: string, to: string): string[] | null {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= end; d += 86_400_000) {
    days.push(new Date(d).toISOString().slice(0, 10));
    if (days.length > 366) return null;
  }
  return days;
}

type Cell = string | number | null | undefined;

/** How a value reads in a table or a statistic: counts localised, exact money trimmed. */
function cell(t: UsageText, locale: string, f: Field, v: Cell): string {
  if (v === null || v === undefined) return f === 'note' ? '' : '—';
  if (typeof v === 'number') return v.toLocaleString(locale);
  if (f === 'cost') return yuan(v);
  if (f === 'key_prefix') return `${v}…`;
  return f === 'note' ? t.unpricedNote : v;
}

/** Table columns for these fields, titled from the messages; counts and money right-aligned. */
function columns<T>(t: UsageText, locale: string, fields: Field[]): TableColumnsType<T> {
  return fields.map((f) => ({
    title: t.fields[f],
    dataIndex: f,
    align: RIGHT.has(f) ? 'right' : 'left',
    render: (v: Cell) => cell(t, locale, f, v),
  }));
}

/** Usage of an organisation's subtree over Shanghai days, and its monthly bill with downloads. */
export function Usage() {
  const t = useText();
  const { me } = useSession();
  const orgs = useLoad(() => api<{ data: Org[] }>('GET', '/api/v1/orgs'), []);
  const [picked, setPicked] = useState<string>();
  return (
    <>
      <Typography.Title level={3}>{t.title}</Typography.Title>
      <Loading state={orgs} empty={(d) => d.data.length === 0}>
        {({ data }) => {
          const org = picked ?? (data.find((o) => o.id === me?.org_id) ?? data[0])?.code;
          return (
            <>
              <Form layout="inline" style={{ marginBottom: 8 }}>
                <Form.Item label={t.org} htmlFor="usage-org">
                  <Select
                    id="usage-org"
                    value={org}
                    onChange={setPicked}
                    showSearch
                    optionFilterProp="label"
                    style={{ minWidth: 360 }}
                    options={data.map((o) => ({ value: o.code, label: `${o.name} (${o.code})` }))}
                  />
                </Form.Item>
              </Form>
              {org && (
                <Tabs
                  items={[
                    { key: 'usage', label: t.usageTab, children: <UsagePanel org={org} /> },
                    { key: 'bill', label: t.billTab, children: <BillPanel org={org} /> },
                  ]}
                />
              )}
            </>
          );
        }}
      </Loading>
    </>
  );
}

type UsageQuery = Record<'from' | 'to', string> & { group: Group };

function UsagePanel({ org }: { org: string }) {
  const t = useText();
  const [form] = Form.useForm<UsageQuery>();
  // Default: this Shanghai month so far, by day (with the chart).
  const [q, setQ] = useState<UsageQuery>(() => ({
    from: `${shanghaiDay().slice(0, 7)}-01`,
    to: shanghaiDay(),
    group: 'day',
  }));
  const path = `/api/v1/usage${query({ org, from: q.from, to: q.to, group_by: q.group })}`;
  const report = useLoad(() => api<Report>('GET', path), [org, q]);
  return (
    <>
      <Form
        form={form}
        name="usage"
        layout="inline"
        initialValues={q}
        style={{ marginBottom: 16, rowGap: 8 }}
        onFinish={(v) => setQ({ ...v })}
        onValuesChange={(changed: Partial<UsageQuery>) => {
          if (changed.group) form.submit();
        }}
      >
        <Form.Item label={t.from} name="from">
          <Input type="date" />
        </Form.Item>
        <Form.Item label={t.to} name="to">
          <Input type="date" />
        </Form.Item>
        <Form.Item label={t.groupBy} name="group">
          <Radio.Group
            optionType="button"
            options={GROUPS.map((g) => ({ value: g, label: t.groups[g] }))}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t.query}
        </Button>
      </Form>
      <Loading state={report}>
        {(r) => (
          <Spin spinning={report.loading}>
            <ReportView report={r} />
          </Spin>
        )}
      </Loading>
    </>
  );
}

function ReportView({ report }: { report: Report }) {
  const t = useText();
  const { locale } = useI18n();
  // The report names its own grouping, so a table never pairs old rows with new columns.
  const group = (Object.keys(report.breakdowns)[0] ?? 'day') as Group;
  const rows = report.breakdowns[group] ?? [];
  const total = report.totals;
  const stats: Field[] = [...COUNTS, 'cost', 'avg_latency_ms'];
  return (
    <>
      <Typography.Paragraph type="secondary">
        {report.org.name} ({report.org.code}) ·{' '}
        {fill(t.range, { from: report.from, to: report.to })}
      </Typography.Paragraph>
      <Row gutter={[16, 16]}>
        {stats.map((f) => (
          <Col key={f} xs={12} md={6} xxl={3}>
            <Card size="small" data-testid={`usage-${f}`}>
              <Statistic title={t.fields[f]} value={cell(t, locale, f, total[f as keyof Totals])} />
            </Card>
          </Col>
        ))}
      </Row>
      {total.requests === 0 ? (
        <Empty style={{ marginTop: 24 }} description={t.noCalls} />
      ) : (
        <>
          {group === 'day' && <DayChart report={report} />}
          <Card title={`${t.breakdown} · ${t.groups[group]}`} style={{ marginTop: 16 }}>
            <Table<UsageRow>
              rowKey={(r) => String(group === 'key' ? r.key_id : r[LABELS[group][0]!])}
              size="small"
              dataSource={rows}
              scroll={{ x: 960 }}
              pagination={rows.length > 50 ? { pageSize: 50 } : false}
              columns={columns(t, locale, [...LABELS[group], ...stats])}
            />
          </Card>
        </>
      )}
    </>
  );
}

function DayChart({ report }: { report: Report }) {
  const t = useText();
  const option = useMemo<ChartOption>(() => {
    const rows = new Map((report.breakdowns.day ?? []).map((r) => [r.day!, r]));
    const days = everyDay(report.from, report.to) ?? [...rows.keys()];
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t.calls, t.fields.cost] },
      grid: { left: 56, right: 72, top: 56, bottom: 32 },
      xAxis: { type: 'category', data: days.map((d) => d.slice(5)) },
      yAxis: [
        { type: 'value', name: t.calls, minInterval: 1 },
        { type: 'value', name: t.fields.cost },
      ],
      series: [
        {
          name: t.calls,
          type: 'bar',
          barMaxWidth: 32,
          data: days.map((d) => rows.get(d)?.requests ?? 0),
        },
        {
          name: t.fields.cost,
          type: 'line',
          yAxisIndex: 1,
          data: days.map((d) => Number(rows.get(d)?.cost ?? 0)),
        },
      ],
    };
  }, [report, t]);
  return (
    <Card title={t.chart} style={{ marginTop: 16 }}>
      <Chart option={option} label={t.chart} />
    </Card>
  );
}

/** The file name the hub gave in content-disposition, if any. */
const fileName = (disposition: string | null) =>
  /filename="?([^";]+)"?/i.exec(disposition ?? '')?.[1] ?? null;

/**
 * Fetch a file with the session token and save it through an object URL: a plain link would
 * carry no Authorization header, so the hub would refuse it.
 */
async function download(path: string, fallback: string): Promise<void> {
  const token = sessionToken.get();
  const res = await fetch(path, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }).catch(() => {
    throw new ApiError(0, 'network_error', 'network_error');
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    const { code = 'http_error', message = `HTTP ${res.status}` } = body?.error ?? {};
    throw new ApiError(res.status, code, message);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName(res.headers.get('content-disposition')) ?? fallback;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser reads the blob after click() returns; revoking at once could cancel the save.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function BillPanel({ org }: { org: string }) {
  const t = useText();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [month, setMonth] = useState(() => shanghaiDay().slice(0, 7));
  const [busy, setBusy] = useState<'csv' | 'xlsx' | null>(null);
  const path = (format?: string) =>
    `/api/v1/bills/${encodeURIComponent(month)}${query({ org, format })}`;
  const bill = useLoad(() => api<Bill>('GET', path()), [org, month]);
  const save = async (format: 'csv' | 'xlsx') => {
    setBusy(format);
    try {
      await download(path(format), `bill-${org}-${month}.${format}`);
    } catch (err) {
      void message.error(`${t.downloadFailed}: ${errorText(err)}`);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <Form
        name="bill"
        layout="inline"
        initialValues={{ month }}
        style={{ marginBottom: 16, rowGap: 8 }}
        onFinish={(v: { month: string }) => setMonth(v.month.trim())}
      >
        <Form.Item label={t.billMonth} name="month" rules={[{ required: true }]}>
          <Input placeholder={t.billMonthHint} style={{ width: 140 }} maxLength={7} />
        </Form.Item>
        <Space wrap>
          <Button type="primary" htmlType="submit">
            {t.show}
          </Button>
          <Button loading={busy === 'csv'} onClick={() => void save('csv')}>
            {t.downloadCsv}
          </Button>
          <Button loading={busy === 'xlsx'} onClick={() => void save('xlsx')}>
            {t.downloadXlsx}
          </Button>
        </Space>
      </Form>
      <Loading state={bill}>
        {(b) => (
          <Spin spinning={bill.loading}>
            <BillView bill={b} />
          </Spin>
        )}
      </Loading>
    </>
  );
}

const LINE_FIELDS: Field[] = ['org_name', 'model', 'price_from', 'requests', ...TOKENS];
LINE_FIELDS.push(...PRICES, 'amount_rounded', 'amount', 'note');

function BillView({ bill }: { bill: Bill }) {
  const t = useText();
  const { locale } = useI18n();
  const d = (label: string, value: ReactNode) => (
    <Descriptions.Item label={label}>{value}</Descriptions.Item>
  );
  return (
    <Card title={fill(t.billOf, { org: `${bill.org.name} (${bill.org.code})`, month: bill.month })}>
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} style={{ marginBottom: 16 }}>
        {d(t.period, `${bill.from} – ${bill.to}`)}
        {d(t.currency, bill.currency)}
        {d(t.total, <strong data-testid="bill-total">{bill.total.amount_rounded}</strong>)}
        {d(t.exactTotal, bill.total.amount)}
        {d(t.recordedCost, bill.recorded_cost)}
        {d(t.generatedAt, formatTime(bill.generated_at, locale))}
      </Descriptions>
      {bill.unpriced_models.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          message={fill(t.unpriced, { models: bill.unpriced_models.join(', ') })}
        />
      )}
      {bill.lines.length === 0 ? (
        <Empty description={t.noLines} />
      ) : (
        <Table<BillLine>
          rowKey={(l) => `${l.org}|${l.model}|${l.price_from ?? ''}`}
          size="small"
          dataSource={bill.lines}
          pagination={false}
          scroll={{ x: 1700 }}
          columns={columns<BillLine>(t, locale, LINE_FIELDS)}
          summary={() => (
            <Table.Summary.Row style={{ fontWeight: 600 }}>
              {LINE_FIELDS.map((f, i) => (
                <Table.Summary.Cell key={f} index={i} align={RIGHT.has(f) ? 'right' : 'left'}>
                  {i === 0
                    ? t.totalRow
                    : f in bill.total
                      ? cell(t, locale, f, bill.total[f as keyof BillTotal])
                      : ''}
                </Table.Summary.Cell>
              ))}
            </Table.Summary.Row>
          )}
        />
      )}
    </Card>
  );
}
