import { Card, Space, Tag, Typography } from 'antd';
import { api } from '../api.js';
import { Loading, useLoad } from '../Load.js';
import { useText } from './models.messages.js';

export type Domain = 'internet' | 'gov-extranet' | 'gov-cloud' | 'gov-intranet';
export type CircuitState = 'closed' | 'half_open' | 'open';

export interface EndpointView {
  name: string;
  provider: string;
  base_url: string;
  domain: Domain;
  clearance: string;
  has_api_key: boolean;
  health: { state: CircuitState; consecutiveFailures: number; lastError: string | null };
}

export const STATE_COLOR: Record<CircuitState, string> = {
  closed: 'green',
  half_open: 'orange',
  open: 'red',
};

/** The circuit state of an endpoint as a coloured tag. */
export function CircuitTag({ endpoint }: { endpoint: EndpointView }) {
  const text = useText();
  return (
    <Tag color={STATE_COLOR[endpoint.health.state]} data-testid={`circuit-${endpoint.name}`}>
      {text.states[endpoint.health.state]}
    </Tag>
  );
}

/** The overview's endpoint health: every endpoint's circuit at a glance, open ones first. */
export function EndpointHealth({ title }: { title: string }) {
  const text = useText();
  const endpoints = useLoad(() => api<{ data: EndpointView[] }>('GET', '/api/v1/endpoints'), []);
  const order: Record<CircuitState, number> = { open: 0, half_open: 1, closed: 2 };
  return (
    <Card title={title} style={{ marginTop: 16 }}>
      <Loading state={endpoints} empty={(d) => d.data.length === 0}>
        {({ data }) => (
          <Space wrap size="large">
            {[...data]
              .sort((a, b) => order[a.health.state] - order[b.health.state])
              .map((e) => (
                <Space key={e.name} direction="vertical" size={0}>
                  <Typography.Text strong>{e.name}</Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {text.domains[e.domain] ?? e.domain}
                  </Typography.Text>
                  <CircuitTag endpoint={e} />
                </Space>
              ))}
          </Space>
        )}
      </Loading>
    </Card>
  );
}
