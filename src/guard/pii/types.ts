export type PiiType =
  | 'id_card'
  | 'credit_code'
  | 'bank_card'
  | 'mobile'
  | 'landline'
  | 'email'
  | 'ipv4'
  | 'ipv6'
  | 'passport'
  | 'travel_permit'
  | 'plate'
  | 'address'
  | 'person_name';

export const PII_TYPES: readonly PiiType[] = [
  'id_card',
  'credit_code',
  'bank_card',
  'mobile',
  'landline',
  'email',
  'ipv4',
  'ipv6',
  'passport',
  'travel_permit',
  'plate',
  'address',
  'person_name',
];

/** Chinese label used in placeholders, e.g. id_card → '身份证号'. */
export const PII_LABELS: Record<PiiType, string> = {
  id_card: '身份证号',
  credit_code: '统一社会信用代码',
  bank_card: '银行卡号',
  mobile: '手机号',
  landline: '固定电话',
  email: '电子邮箱',
  ipv4: 'IPv4地址',
  ipv6: 'IPv6地址',
  passport: '护照号',
  travel_permit: '通行证号',
  plate: '车牌号',
  address: '地址',
  person_name: '姓名',
};

/** Offsets are UTF-16 indices into the ORIGINAL text (not the normalised one); spans sorted, non-overlapping. */
export interface PiiSpan {
  type: PiiType;
  start: number;
  end: number;
  text: string;
}

/** A span found in the folded text, before overlaps are resolved and offsets mapped back. */
export interface Candidate {
  type: PiiType;
  start: number;
  end: number;
}
