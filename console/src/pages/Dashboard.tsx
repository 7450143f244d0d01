import { Card, Col, Empty, Row, Select, Space, Statistic, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { api, query } from '../api.js';
import { Chart, type ChartOption } from '../Chart.js';
import { shanghaiDay, useI18n } from '../i18n.js';
import { Loading, useLoad } from '../Load.js';
import { useSession } from '../session.js';
import type { Org, Role, UsageReport } from '../types.js';
import { EndpointHealth } from './EndpointHealth.js';

const ENDPOINT_READERS: Role[] = ['sysadmin', 'secadmin', 'auditor'];

/**
 * Calls, tokens, cost, errors and latency over the last 30 Shanghai days, for the caller's
 * subtree or any organisation under it; endpoint health for the administrators.
 */
export function Dashboard() {
  const { t } = useI18n();
  const { me } = useSession();
  const [org, setOrg] = useState<string | undefined>(undefined);
  const orgs = useLoad(() => api<{ data: Org[] }>('GET', '/api/v1/orgs'), []);
  const usage = useLoad(
    () =>
      api<UsageReport>(
        'GET',
        `/api/v1/usage${query({ org, from: shanghaiDay(29), to: shanghaiDay(0), group_by: 'day,model,org' })}`,
      ),
    [org],
  );
  const readsEndpoints =
    me?.kind === 'operator' || ENDPOINT_READERS.some((r) => me?.roles.includes(r));
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={3}>
          {t.dashboard.title} · {t.dashboard.range}
        </Typography.Title>
        <Space>
          <label htmlFor="dashboard-org">{t.dashboard.scope}</label>
          <Select
            id="dashboard-org"
            style={{ minWidth: 280 }}
            showSearch
            optionFilterProp="label"
            value={org ?? ''}
            onChange={(v: string) => setOrg(v || undefined)}
            loading={orgs.loading}
            options={[
              { value: '', label: t.dashboard.allScope },
              ...(orgs.data?.data ?? []).map((o) => ({
                value: o.code,
                label: `${o.name} (${o.code})`,
              })),
            ]}
          />
        </Space>
      </Space>
      <Loading state={usage}>{(report) => <Report report={report} />}</Loading>
      {readsEndpoints && <EndpointHealth title={t.dashboard.health} />}
    </>
  );
}

function Report({ report }: { report: UsageReport }) {
  const { t } = useI18n();
  const days = report.breakdowns.day ?? [];
  const models = report.breakdowns.model ?? [];
  const orgs = [...(report.breakdowns.org ?? [])]
    .sort((a, b) => b.requests - a.requests)
    .slice(0, 10);
  const total = report.totals;
  const errorRate = total.requests ? (100 * total.errors) / total.requests : 0;
  const trend = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t.dashboard.requests, t.dashboard.tokens] },
      grid: { left: 56, right: 56, top: 56, bottom: 32 },
      xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
      yAxis: [
        { type: 'value', name: t.dashboard.requests, minInterval: 1 },
        { type: 'value', name: t.dashboard.tokens },
      ],
      series: [
        {
          name: t.dashboard.requests,
          type: 'bar',
          barMaxWidth: 32,
          data: days.map((d) => d.requests),
        },
        {
          name: t.dashboard.tokens,
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          data: days.map((d) => d.total_tokens),
        },
      ],
    }),
    [days, t],
  );
  const latency = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t.dashboard.mean, 'p95'] },
      grid: { left: 56, right: 24, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
      yAxis: { type: 'value', name: 'ms' },
      series: [
        { name: t.dashboard.mean, type: 'line', data: days.map((d) => d.avg_latency_ms) },
        { name: 'p95', type: 'line', data: days.map((d) => d.p95_latency_ms) },
      ],
    }),
    [days, t],
  );
  const top = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 160, right: 24, top: 16, bottom: 24 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: orgs.map((o) => o.org_name) },
      series: [
        {
          name: t.dashboard.requests,
          type: 'bar',
          barMaxWidth: 24,
          data: orgs.map((o) => o.requests),
        },
      ],
    }),
    [orgs, t],
  );
  return (
    <>
      <Row gutter={[16, 16]}>
        {[
          [t.dashboard.requests, total.requests.toLocaleString()],
          [t.dashboard.tokens, total.total_tokens.toLocaleString()],
          [t.dashboard.cost, Number(total.cost).toFixed(2)],
          [t.dashboard.errorRate, `${errorRate.toFixed(2)}%`],
          [
            t.dashboard.latency,
            total.avg_latency_ms === null ? '—' : total.avg_latency_ms.toFixed(0),
          ],
          [t.dashboard.p95, total.p95_latency_ms === null ? '—' : total.p95_latency_ms.toFixed(0)],
        ].map(([title, value]) => (
          <Col key={title} xs={12} md={8} xl={4}>
            <Card>
              <Statistic title={title} value={value} />
            </Card>
          </Col>
        ))}
      </Row>
      {total.requests === 0 ? (
        <Empty style={{ marginTop: 32 }} description={t.dashboard.noCalls} />
      ) : (
        <>
          <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
            <Col xs={24} xl={14}>
              <Card title={t.dashboard.byDay}>
                <Chart option={trend} label={t.dashboard.byDay} />
              </Card>
            </Col>
            <Col xs={24} xl={10}>
              <Card title={t.dashboard.topOrgs}>
                <Chart option={top} label={t.dashboard.topOrgs} />
              </Card>
            </Col>
          </Row>
          <Card title={t.dashboard.latencyByDay} style={{ marginTop: 16 }}>
            <Chart option={latency} height={240} label={t.dashboard.latencyByDay} />
          </Card>
          <Card title={t.dashboard.byModel} style={{ marginTop: 16 }}>
            <Table
              rowKey="model"
              size="small"
              pagination={false}
              dataSource={models}
              columns={[
                { title: t.dashboard.model, dataIndex: 'model' },
                { title: t.dashboard.requests, dataIndex: 'requests', align: 'right' },
                { title: t.dashboard.tokens, dataIndex: 'total_tokens', align: 'right' },
                {
                  title: t.dashboard.cost,
                  dataIndex: 'cost',
                  align: 'right',
                  render: (c: string) => Number(c).toFixed(4),
                },
              ]}
            />
          </Card>
        </>
      )}
    </>
  );
}
