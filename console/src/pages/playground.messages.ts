import { useI18n } from '../i18n.js';

/** Words of the 体验 page. */
export const zh = {
  title: '体验',
  model: '模型',
  system: '系统提示词（可选）',
  input: '输入问题',
  placeholder: '例如：办理居住证需要哪些材料？',
  send: '发送',
  stop: '停止',
  clear: '清空对话',
  you: '我',
  assistant: '模型',
  route: '路由端点',
  served: '实际模型',
  level: '数据级别',
  tokens: 'Token（输入 / 输出）',
  cost: '估算费用（元）',
  overhead: '中枢开销（毫秒）',
  requestId: '请求 ID',
  keyNote: '体验使用您本人的临时密钥（{hours} 小时内有效），调用与其他调用一样计量、限额、审计。',
  noModels: '暂无可用模型',
  failed: '调用失败',
};

export const en: typeof zh = {
  title: 'Playground',
  model: 'Model',
  system: 'System prompt (optional)',
  input: 'Your question',
  placeholder: 'e.g. Which documents does a residence permit need?',
  send: 'Send',
  stop: 'Stop',
  clear: 'Clear the conversation',
  you: 'You',
  assistant: 'Model',
  route: 'Endpoint',
  served: 'Served by',
  level: 'Data level',
  tokens: 'Tokens (prompt / completion)',
  cost: 'Estimated cost (CNY)',
  overhead: 'Hub overhead (ms)',
  requestId: 'Request ID',
  keyNote:
    'The playground uses a temporary key of your own (valid {hours} hours); its calls are metered, limited and audited like any other.',
  noModels: 'No model available',
  failed: 'The call failed',
};

export const useText = () => (useI18n().locale === 'en-US' ? en : zh);
