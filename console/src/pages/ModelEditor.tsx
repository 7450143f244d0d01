import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, InputNumber, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../api.js';
import { fill } from '../i18n.js';
import { useErrorText } from '../Load.js';
import { useText } from './models.messages.js';

export interface ModelView {
  name: string;
  description: string | null;
  targets: { endpoint: string; weight: number; upstream_model: string }[];
  fallback: string[];
  source: 'config' | 'api';
}

interface FormValues {
  name: string;
  description?: string;
  targets: { endpoint: string; weight: number; model?: string }[];
  fallback?: string[];
}

/**
 * Create or edit a public model managed in the console: its targets (endpoint × weight, with an
 * optional upstream model) and fallbacks. The hub checks it as it checks the config file.
 */
export function ModelEditor({
  model,
  endpoints,
  models,
  onClose,
  onSaved,
}: {
  model: ModelView | null;
  endpoints: string[];
  models: string[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const text = useText();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<FormValues>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const initial: FormValues = model
    ? {
        name: model.name,
        description: model.description ?? '',
        targets: model.targets.map((t) => ({
          endpoint: t.endpoint,
          weight: t.weight,
          model: t.upstream_model,
        })),
        fallback: model.fallback,
      }
    : { name: '', targets: [{ endpoint: endpoints[0] ?? '', weight: 1 }], fallback: [] };

  const save = async (v: FormValues) => {
    setBusy(true);
    setError(null);
    try {
      await api('PUT', `/api/v1/models/${encodeURIComponent(v.name.trim())}`, {
        description: v.description?.trim() || null,
        targets: v.targets.map((t) => ({
          endpoint: t.endpoint,
          weight: t.weight,
          ...(t.model?.trim() ? { model: t.model.trim() } : {}),
        })),
        fallback: v.fallback ?? [],
      });
      void message.success(fill(text.savedModel, { name: v.name.trim() }));
      onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      width={640}
      title={model ? fill(text.editTitle, { name: model.name }) : text.newTitle}
      okText={text.save}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {error && (
        <Typography.Paragraph type="danger" role="alert">
          {error}
        </Typography.Paragraph>
      )}
      <Form form={form} layout="vertical" initialValues={initial} onFinish={(v) => void save(v)}>
        <Form.Item label={text.name} name="name" rules={[{ required: true, max: 128 }]}>
          <Input disabled={model !== null} />
        </Form.Item>
        <Form.Item label={text.description} name="description">
          <Input />
        </Form.Item>
        <Form.List name="targets">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field, i) => (
                <Space key={field.key} align="baseline" wrap>
                  <Form.Item
                    label={`${text.endpoint} ${i + 1}`}
                    name={[field.name, 'endpoint']}
                    rules={[{ required: true }]}
                  >
                    <Select
                      style={{ width: 180 }}
                      options={endpoints.map((e) => ({ value: e, label: e }))}
                    />
                  </Form.Item>
                  <Form.Item
                    label={`${text.weight} ${i + 1}`}
                    name={[field.name, 'weight']}
                    rules={[{ required: true }]}
                  >
                    <InputNumber min={0.01} style={{ width: 90 }} />
                  </Form.Item>
                  <Form.Item label={`${text.upstreamModel} ${i + 1}`} name={[field.name, 'model']}>
                    <Input style={{ width: 180 }} />
                  </Form.Item>
                  {fields.length > 1 && (
                    <MinusCircleOutlined
                      aria-label={`${text.remove} ${i + 1}`}
                      onClick={() => remove(field.name)}
                    />
                  )}
                </Space>
              ))}
              <Button
                type="dashed"
                icon={<PlusOutlined />}
                onClick={() => add({ endpoint: endpoints[0] ?? '', weight: 1 })}
                style={{ marginBottom: 16 }}
              >
                {text.addTarget}
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item label={text.fallback} name="fallback">
          <Select
            mode="multiple"
            allowClear
            options={models.filter((m) => m !== model?.name).map((m) => ({ value: m, label: m }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
