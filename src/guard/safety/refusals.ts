/**
 * What the user reads when the hub refuses an input or stops an answer: one polite Chinese text
 * per Annex A class, and a default. Operators override them per risk, per class or the default
 * (configuration); the most specific one wins.
 */
import { riskById, type RiskClass, type RiskId } from './risks.js';

export type RefusalKey = RiskId | RiskClass | 'default';
export type RefusalOverrides = Partial<Record<RefusalKey, string>>;

export const DEFAULT_REFUSALS: Readonly<Record<RiskClass | 'default', string>> = {
  'A.1':
    '抱歉，您的请求涉及法律法规禁止生成或传播的内容，我无法就此作答。如有其他问题，欢迎继续咨询。',
  'A.2':
    '抱歉，您的请求可能产生针对特定群体的歧视性内容，我无法按此作答。我们尊重每一个人，欢迎换一种方式提问。',
  'A.3':
    '抱歉，您的请求可能涉及侵犯知识产权、泄露商业秘密或不正当竞争等商业违法违规行为，我无法提供协助。',
  'A.4':
    '抱歉，您的请求可能侵害他人的身心健康、肖像、名誉、荣誉、隐私或个人信息等合法权益，我无法提供协助。',
  'A.5':
    '抱歉，对这一问题我暂时无法给出准确、可靠的回答。建议您咨询相关主管部门，或查阅权威渠道发布的信息。',
  default: '抱歉，您的请求不符合本平台的内容安全要求，我无法提供回答。如有疑问，请联系平台管理员。',
};

/** The refusal for a risk (the default one when the risk is unknown or not given). */
export function refusalFor(risk?: RiskId | null, overrides: RefusalOverrides = {}): string {
  const fallback = overrides.default ?? DEFAULT_REFUSALS.default;
  if (!risk) return fallback;
  const cls = riskById(risk).cls;
  return overrides[risk] ?? overrides[cls] ?? DEFAULT_REFUSALS[cls] ?? fallback;
}
