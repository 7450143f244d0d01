import {
  Alert,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  Select,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useRef, useState } from 'react';
import { api } from '../api.js';
import { fill, shanghaiDay } from '../i18n.js';
import { Loading, useLoad } from '../Load.js';
import { useText } from './playground.messages.js';
import { sseData } from './sse.js';

interface PlaygroundKey {
  key: string;
  expires_at: string;
  explicit_label: string;
}

interface Price {
  model: string;
  from: string;
  input: string;
  output: string;
}

interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/** What the hub said about one answer: from the response headers and the usage chunk. */
interface CallFacts {
  route: string | null;
  served: string | null;
  level: string | null;
  overhead: string | null;
  requestId: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
}

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  error?: { message: string; code: string };
}

/** The current price of a model (CNY per 1,000 tokens): the newest row already in effect. */
function currentPrice(prices: Price[], model: string): Price | null {
  const today = shanghaiDay(0);
  return prices.find((p) => p.model === model && p.from <= today) ?? null;
}

/**
 * Chat with a model as a department's application would: the answer streams from /v1 with a key
 * of the user's own, and the page shows what the hub did with the call (route, data level,
 * tokens, cost, overhead). Every answer carries the explicit AI-generated label.
 */
export function Playground() {
  const text = useText();
  const setup = useLoad(async () => {
    const [models, key, prices] = await Promise.all([
      api<{ data: { name: string }[] }>('GET', '/api/v1/models'),
      api<PlaygroundKey>('POST', '/api/v1/playground/key'),
      api<{ data: Price[] }>('GET', '/api/v1/prices'),
    ]);
    return { models: models.data.map((m) => m.name), credential: key, prices: prices.data };
  }, []);
  return (
    <>
      <Typography.Title level={3}>{text.title}</Typography.Title>
      <Loading state={setup}>{(s) => <Chat {...s} />}</Loading>
    </>
  );
}

function Chat({
  models,
  credential: key,
  prices,
}: {
  models: string[];
  credential: PlaygroundKey;
  prices: Price[];
}) {
  const text = useText();
  const [model, setModel] = useState(models[0] ?? '');
  const [system, setSystem] = useState('');
  const [input, setInput] = useState('');
  const [turns, setTurns] = useState<Turn[]>([]);
  const [streaming, setStreaming] = useState('');
  const [busy, setBusy] = useState(false);
  const [facts, setFacts] = useState<CallFacts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const hours = Math.round((new Date(key.expires_at).getTime() - Date.now()) / 3_600_000);

  const send = async () => {
    const question = input.trim();
    if (!question || !model) return;
    const history: Turn[] = [...turns, { role: 'user', content: question }];
    setTurns(history);
    setInput('');
    setBusy(true);
    setError(null);
    setStreaming('');
    const controller = new AbortController();
    abort.current = controller;
    let answer = '';
    try {
      const res = await fetch('/v1/chat/completions', {
        method: 'POST',
        signal: controller.signal,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
        body: JSON.stringify({
          model,
          stream: true,
          stream_options: { include_usage: true },
          messages: [
            ...(system.trim() ? [{ role: 'system', content: system.trim() }] : []),
            ...history,
          ],
        }),
      });
      const next: CallFacts = {
        route: res.headers.get('x-zs-route'),
        served: res.headers.get('x-zs-model'),
        level: res.headers.get('x-zs-data-level'),
        overhead: res.headers.get('x-zs-overhead-ms'),
        requestId: res.headers.get('x-zs-request-id'),
        usage: null,
      };
      setFacts(next);
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as Chunk | null;
        throw new Error(
          body?.error ? `${body.error.message} (${body.error.code})` : `HTTP ${res.status}`,
        );
      }
      for await (const data of sseData(res.body)) {
        if (data === '[DONE]') break;
        const chunk = JSON.parse(data) as Chunk;
        if (chunk.error) throw new Error(`${chunk.error.message} (${chunk.error.code})`);
        answer += chunk.choices?.[0]?.delta?.content ?? '';
        setStreaming(answer);
        if (chunk.usage) setFacts({ ...next, usage: chunk.usage });
      }
    } catch (err) {
      if (!controller.signal.aborted) setError((err as Error).message);
    } finally {
      if (answer) setTurns([...history, { role: 'assistant', content: answer }]);
      setStreaming('');
      setBusy(false);
      abort.current = null;
    }
  };

  const price = currentPrice(prices, facts?.served ?? model);
  const cost =
    facts?.usage && price
      ? (facts.usage.prompt_tokens * Number(price.input) +
          facts.usage.completion_tokens * Number(price.output)) /
        1000
      : null;
  const shown: Turn[] = streaming ? [...turns, { role: 'assistant', content: streaming }] : turns;

  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start', flexWrap: 'wrap' }}>
      <Card style={{ flex: '2 1 560px' }}>
        <Typography.Paragraph type="secondary">
          {fill(text.keyNote, { hours })}
        </Typography.Paragraph>
        <div
          aria-live="polite"
          data-testid="transcript"
          style={{ minHeight: 200, marginBottom: 16 }}
        >
          {shown.map((turn, i) => (
            <div key={i} style={{ marginBottom: 12 }}>
              <Tag color={turn.role === 'user' ? 'blue' : 'green'}>
                {turn.role === 'user' ? text.you : text.assistant}
              </Tag>
              <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: '4px 0' }}>
                {turn.content}
              </Typography.Paragraph>
              {turn.role === 'assistant' && (
                <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="ai-label">
                  {key.explicit_label}
                </Typography.Text>
              )}
            </div>
          ))}
        </div>
        {error && (
          <Alert
            type="error"
            showIcon
            role="alert"
            message={text.failed}
            description={error}
            style={{ marginBottom: 16 }}
          />
        )}
        <Form layout="vertical" onFinish={() => void send()}>
          <Form.Item label={text.input} htmlFor="playground-input">
            <Input.TextArea
              id="playground-input"
              value={input}
              onChange={(e) => setInput(e.target.value)}
              placeholder={text.placeholder}
              autoSize={{ minRows: 2, maxRows: 6 }}
              onPressEnter={(e) => {
                if (!e.shiftKey) {
                  e.preventDefault();
                  void send();
                }
              }}
            />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={busy} disabled={!model}>
              {text.send}
            </Button>
            {busy && <Button onClick={() => abort.current?.abort()}>{text.stop}</Button>}
            <Button onClick={() => setTurns([])} disabled={busy}>
              {text.clear}
            </Button>
          </Space>
        </Form>
      </Card>
      <Card style={{ flex: '1 1 320px' }}>
        <Form layout="vertical">
          <Form.Item label={text.model} htmlFor="playground-model">
            <Select
              id="playground-model"
              value={model || undefined}
              onChange={setModel}
              placeholder={text.noModels}
              options={models.map((m) => ({ value: m, label: m }))}
            />
          </Form.Item>
          <Form.Item label={text.system} htmlFor="playground-system">
            <Input.TextArea
              id="playground-system"
              value={system}
              onChange={(e) => setSystem(e.target.value)}
              autoSize={{ minRows: 2 }}
            />
          </Form.Item>
        </Form>
        {facts && (
          <Descriptions column={1} size="small" bordered data-testid="call-facts">
            <Descriptions.Item label={text.route}>{facts.route ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={text.served}>{facts.served ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={text.level}>{facts.level ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={text.tokens}>
              {facts.usage
                ? `${facts.usage.prompt_tokens} / ${facts.usage.completion_tokens}`
                : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={text.cost}>
              {cost === null ? '—' : cost.toFixed(6)}
            </Descriptions.Item>
            <Descriptions.Item label={text.overhead}>{facts.overhead ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={text.requestId}>
              <Typography.Text copyable style={{ fontSize: 12 }}>
                {facts.requestId ?? '—'}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
        )}
      </Card>
    </div>
  );
}
