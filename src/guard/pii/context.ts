/**
 * Context words around a candidate. Digits alone cannot tell a bank card from an order number
 * or a Taiwan compatriot permit from any 8-digit number; the words written next to them can.
 */

/** The `n` characters before `start`. */
export function before(text: string, start: number, n: number): string {
  return text.slice(Math.max(0, start - n), start);
}

/** The `n` characters from `end`. */
export function after(text: string, end: number, n: number): string {
  return text.slice(end, end + n);
}

const globals = new Map<RegExp, RegExp>();
function globalOf(re: RegExp): RegExp {
  let g = globals.get(re);
  if (!g) globals.set(re, (g = new RegExp(re.source, 'g')));
  return g;
}

/**
 * Which of two cue patterns is written closer before `start` (within `n` characters):
 * 'good' (e.g. 卡号), 'bad' (e.g. 订单号) or null when neither is there.
 */
export function nearestCue(text: string, start: number, n: number, good: RegExp, bad: RegExp) {
  const window = before(text, start, n);
  const lastIndex = (re: RegExp) => {
    const g = globalOf(re);
    g.lastIndex = 0;
    let last = -1;
    for (let m = g.exec(window); m; m = g.exec(window)) last = m.index + m[0].length;
    return last;
  };
  const goodAt = lastIndex(good);
  const badAt = lastIndex(bad);
  if (goodAt < 0 && badAt < 0) return null;
  return goodAt > badAt ? 'good' : 'bad';
}

export const BANK_CUE = /卡号|银行卡|储蓄卡|信用卡|借记卡|账号|帐号|开户|账户|帐户|工资卡|银联/;

/** Words that name a number as something other than personal data (order, waybill, case…). */
export const NOT_PERSONAL_CUE =
  /订单|单号|流水|编号|批次|批号|运单|快递|物流|工单|案号|交易号|凭证|发票|税号|条码|序列号|登记号|档案号|合同号|文号|备案号|证书号|许可证|型号/;

// Not 热线: a hotline belongs to an organisation.
export const PHONE_CUE = /电话|座机|传真|手机|联系方式|Tel|TEL|tel|致电|拨打/;

export const ID_CUE = /身份证|公民身份号码|身份号码|证件号/;

/** A number directly followed by a unit or a date part is a quantity, not an identifier. */
export const UNIT_AFTER =
  /^(?:元|万|亿|千|百|%|米|吨|次|人|个|件|户|笔|张|台|辆|天|年|月|日|时|分|秒|平方|公里|克|斤|岁)/;
