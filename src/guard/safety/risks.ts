/**
 * The 31 risks of GB/T 45654-2025 (TC260-003-2024) Annex A, in 5 classes. Their IDs are stable:
 * the lexicon, the ledger and the refusal templates all name a risk by its ID.
 */

export type RiskClass = 'A.1' | 'A.2' | 'A.3' | 'A.4' | 'A.5';

export type RiskId =
  | 'A.1.a'
  | 'A.1.b'
  | 'A.1.c'
  | 'A.1.d'
  | 'A.1.e'
  | 'A.1.f'
  | 'A.1.g'
  | 'A.1.h'
  | 'A.2.a'
  | 'A.2.b'
  | 'A.2.c'
  | 'A.2.d'
  | 'A.2.e'
  | 'A.2.f'
  | 'A.2.g'
  | 'A.2.h'
  | 'A.2.i'
  | 'A.3.a'
  | 'A.3.b'
  | 'A.3.c'
  | 'A.3.d'
  | 'A.3.e'
  | 'A.4.a'
  | 'A.4.b'
  | 'A.4.c'
  | 'A.4.d'
  | 'A.4.e'
  | 'A.4.f'
  | 'A.4.g'
  | 'A.5.a'
  | 'A.5.b';

export interface Risk {
  id: RiskId;
  cls: RiskClass;
  name: string;
}

export const RISK_CLASSES: readonly { cls: RiskClass; name: string }[] = [
  { cls: 'A.1', name: '违反社会主义核心价值观的内容' },
  { cls: 'A.2', name: '歧视性内容' },
  { cls: 'A.3', name: '商业违法违规' },
  { cls: 'A.4', name: '侵犯他人合法权益' },
  { cls: 'A.5', name: '无法满足特定服务类型的安全需求' },
];

const risk = (id: RiskId, name: string): Risk => ({ id, cls: id.slice(0, 3) as RiskClass, name });

export const RISKS: readonly Risk[] = [
  risk('A.1.a', '煽动颠覆国家政权、推翻社会主义制度'),
  risk('A.1.b', '危害国家安全和利益、损害国家形象'),
  risk('A.1.c', '煽动分裂国家、破坏国家统一和社会稳定'),
  risk('A.1.d', '宣扬恐怖主义、极端主义'),
  risk('A.1.e', '宣扬民族仇恨'),
  risk('A.1.f', '宣扬暴力、淫秽色情'),
  risk('A.1.g', '传播虚假有害信息'),
  risk('A.1.h', '其他法律、行政法规禁止的内容'),
  risk('A.2.a', '民族歧视内容'),
  risk('A.2.b', '信仰歧视内容'),
  risk('A.2.c', '国别歧视内容'),
  risk('A.2.d', '地域歧视内容'),
  risk('A.2.e', '性别歧视内容'),
  risk('A.2.f', '年龄歧视内容'),
  risk('A.2.g', '职业歧视内容'),
  risk('A.2.h', '健康歧视内容'),
  risk('A.2.i', '其他方面歧视内容'),
  risk('A.3.a', '侵犯他人知识产权'),
  risk('A.3.b', '违反商业道德'),
  risk('A.3.c', '泄露他人商业秘密'),
  risk('A.3.d', '利用算法、数据、平台等优势，实施垄断和不正当竞争行为'),
  risk('A.3.e', '其他商业违法违规行为'),
  risk('A.4.a', '危害他人身心健康'),
  risk('A.4.b', '侵害他人肖像权'),
  risk('A.4.c', '侵害他人名誉权'),
  risk('A.4.d', '侵害他人荣誉权'),
  risk('A.4.e', '侵害他人隐私权'),
  risk('A.4.f', '侵害他人个人信息权益'),
  risk('A.4.g', '侵犯他人其他合法权益'),
  risk('A.5.a', '内容不准确，严重不符合科学常识或主流认知'),
  risk('A.5.b', '内容不可靠，虽不含严重错误但无法对使用者形成帮助'),
];

const BY_ID = new Map<string, Risk>(RISKS.map((r) => [r.id, r]));

export function isRiskId(value: string): value is RiskId {
  return BY_ID.has(value);
}

/** The risk with this ID; throws on an unknown ID (IDs come from validated lexicons). */
export function riskById(id: RiskId): Risk {
  const r = BY_ID.get(id);
  if (!r) throw new Error(`unknown risk ${id}`);
  return r;
}

export const riskClass = (id: RiskId): RiskClass => riskById(id).cls;
