/**
 * Prompt-injection heuristics for text the hub did not get from the user: retrieved document
 * chunks and tool results that are about to enter a prompt. They only flag (the gateway records
 * the findings in the ledger); nothing is blocked, so each rule is tuned for precision: ordinary
 * government text (notices, plans, forms) must not trip them. Rules: docs/content-safety.md.
 */

export interface InjectionFinding {
  /** Rule ID, e.g. `zh-ignore-instructions`. */
  rule: string;
  /** The matched text (folded: NFKC, lower case), at most 80 characters. */
  excerpt: string;
}

/**
 * The text a rule reads: `spaced` is NFKC + lower case, format characters (zero-width etc.)
 * removed and whitespace runs collapsed to one space; `compact` the same with all whitespace
 * removed, since Chinese needs none and spaced-out characters are a common evasion.
 */
type View = 'spaced' | 'compact';

interface Rule {
  id: string;
  view: View;
  re: RegExp;
}

// Negations and conditions right before a verb: 不得忽略上述规则 is an instruction to comply.
const NOT =
  '(?<!不得|不要|不能|不可|不应|不应当|切勿|请勿|勿|禁止|严禁|避免|防止|不会|无法|不准|未|若|如|如果|一旦|倘若)';
// 你 addressing the model, not 你单位 / 你局 … addressing a department in official letters.
const YOU = '你(?!单位|们|局|厅|委|办|市|县|区|省|部|院|校|司|处|所|中心)';
const CLAUSE = '[^。！？；\\n]';

const zh = (id: string, source: string): Rule => ({
  id,
  view: 'compact',
  re: new RegExp(source, 'u'),
});
const en = (id: string, source: string): Rule => ({
  id,
  view: 'spaced',
  re: new RegExp(source, 'u'),
});

const RULES: readonly Rule[] = [
  zh(
    'zh-ignore-instructions',
    `${NOT}(?:忽略|无视|忽视|忘记|忘掉|抛开|抛弃|丢弃|不要理会|不必理会|不用理会|绕过|跳过)掉?(?:你|您)?(?:之前|此前|先前|以上|上述|前面|上面|前述|原有|原来|原先|已有|所有|全部|一切|系统)的?(?:所有|全部|一切|任何)?的?(?:指令|指示|提示词|提示|规则|约束|限制|设定|命令|安全策略|systemprompt|instructions?)`,
  ),
  en(
    'en-ignore-instructions',
    String.raw`\b(?:ignore|disregard|forget)\s+(?:(?:all|any|the|your|of|these|those|everything)\s+)*(?:previous|prior|above|preceding|earlier|foregoing|system|original|initial|safety)\s+(?:instructions?|prompts?|rules|directives|guidelines|guardrails|constraints|policies)\b|\b(?:override|bypass)\s+(?:(?:all|any|the|your|of|these|those)\s+)*(?:previous|prior|above|preceding|earlier|original|initial)\s+(?:instructions?|prompts?|rules|directives|guidelines)\b|\b(?:ignore|disregard|forget)\s+(?:everything|all)\s+(?:above|before|you\s+were\s+told)\b`,
  ),
  zh(
    'zh-role-override',
    `(?:${YOU}现在是|${YOU}现在扮演|${YOU}将扮演|${YOU}要扮演|请(?:${YOU})?扮演|假装${YOU}是|从现在(?:开始|起)[,，]?${YOU}(?:是|就是|将是|扮演|作为|不再))${CLAUSE}{0,40}?(?:不受(?:任何)?(?:限制|约束|规则|审查)|没有(?:任何)?(?:限制|约束|道德|底线|审查|规则)|无(?:任何)?(?:限制|约束|审查|底线)|(?:不需要|无需|不用|不必)遵守|可以回答任何|越狱|dan)|(?:进入|开启|启用|切换到|切换至|激活)(?:越狱|无限制|无约束|dan|不受限制的?)模式`,
  ),
  en(
    'en-role-override',
    String.raw`\byou\s+are\s+now\b[^.\n]{0,40}?\b(?:unrestricted|unfiltered|uncensored|jailbroken|dan|free\s+from|without\s+(?:any\s+)?(?:restrictions|limits|rules|filters|guidelines))|\bdo\s+anything\s+now\b|\bdeveloper\s+mode\s+(?:enabled|on|activated)\b|\bjailbreak(?:ed)?\s+mode\b|\bact\s+as\s+an?\s+(?:unrestricted|unfiltered|uncensored)\b|\bpretend\s+(?:that\s+)?you\s+(?:are|have)\s+(?:no|not\s+bound)\b`,
  ),
  zh(
    'zh-prompt-disclosure',
    `${NOT}(?:输出|告诉我|显示|打印|泄露|重复|复述|给出|透露|展示|说出|列出|发给我|贴出)${CLAUSE}{0,12}?(?:系统提示词|初始指令|原始指令|初始提示词|预设指令|隐藏指令|systemprompt|开发者消息)|${YOU}的(?:系统提示词|初始指令|原始指令|初始提示词|预设指令|隐藏指令|systemprompt)${CLAUSE}{0,10}?(?:输出|复述|重复|打印|告诉我|显示|透露|发给我|贴出)`,
  ),
  en(
    'en-prompt-disclosure',
    String.raw`\b(?:reveal|print|show|output|repeat|display|leak|dump|tell\s+me|give\s+me|what\s+(?:is|are))\b[^.\n]{0,30}?\b(?:system\s+prompt|initial\s+instructions|hidden\s+instructions|original\s+instructions|developer\s+(?:message|instructions)|your\s+instructions)\b|\brepeat\s+(?:the\s+)?(?:words|text)\s+above\b`,
  ),
  zh(
    'zh-secret-request',
    `${NOT}(?:输出|告诉我|发送|发给|泄露|透露|打印|显示|列出|提供|给出|返回)${CLAUSE}{0,8}?${YOU}(?:的|所用的|使用的|配置的)${CLAUSE}{0,4}?(?:apikey|api密钥|密钥|秘钥|私钥|访问令牌|令牌|token|口令|密码|凭证|凭据|环境变量)`,
  ),
  en(
    'en-secret-request',
    String.raw`\b(?:reveal|print|send|output|leak|show|tell\s+me|give\s+me|dump|exfiltrate|email)\b[^.\n]{0,30}?\b(?:your|the\s+system'?s?|all)\s+(?:api[\s_-]?keys?|secret\s+keys?|secrets|access\s+tokens?|credentials|passwords?|env(?:ironment)?\s+variables)\b`,
  ),
  {
    id: 'role-token',
    view: 'spaced',
    re: /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[\/?inst\]|<<\/?sys>>|<(?:start|end)_of_turn>/u,
  },
  zh(
    'zh-tool-instruction',
    `${YOU}${CLAUSE}{0,6}?(?:必须|务必|立即|马上|立刻|现在就?)${CLAUSE}{0,4}?(?:调用|执行|运行)${CLAUSE}{0,10}?(?:工具|函数|插件|function|tool)`,
  ),
  en(
    'en-tool-instruction',
    String.raw`\b(?:you\s+must|you\s+should|assistant\s*[,:]|ai\s*[,:])\s*(?:now\s+|immediately\s+)?(?:call|invoke|execute|run|use)\s+(?:the\s+)?(?:[\w-]+\s+)?(?:tool|function|plugin)\b`,
  ),
  zh(
    'zh-exfiltration',
    `(?:把|将)${CLAUSE}{0,15}?(?:对话|聊天记录|对话记录|会话内容|上下文|系统提示词?|密钥|apikey)${CLAUSE}{0,15}?(?:发送|上传|转发|提交|发)(?:到|至|给)`,
  ),
  en(
    'en-exfiltration',
    String.raw`\b(?:send|forward|post|upload|exfiltrate|email|transmit)\b[^.\n]{0,40}?\b(?:conversation|chat\s+history|chat\s+log|system\s+prompt|previous\s+messages)\b[^.\n]{0,40}?\b(?:to|at)\b`,
  ),
  {
    // A Markdown image whose URL carries a placeholder to fill in: the classic way to make a
    // chat client leak data by rendering the image.
    id: 'markdown-image-exfiltration',
    view: 'spaced',
    re: /!\[[^\]\n]{0,200}\]\(https?:\/\/[^)\s]{0,500}[?&][\w-]{1,50}=(?:\{[^}\s]{0,100}\}|\[[^\]\s]{0,100}\]|<[^>\s]{0,100}>|\$\w{1,50})/u,
  },
  zh(
    'zh-new-instructions',
    `(?:新的|最新的?|真正的|更新后的|以下是${YOU}的新)(?:系统)?(?:指令|提示词)[:：]`,
  ),
  en(
    'en-new-instructions',
    String.raw`\b(?:new|updated|real|actual|revised)\s+(?:system\s+)?instructions?\s*:`,
  ),
  zh(
    'zh-decode-and-follow',
    `(?:解码|解密)${CLAUSE}{0,20}?(?:(?:执行|遵循|遵照|按照|服从)${CLAUSE}{0,6}?(?:指令|指示|提示词|命令)|照做)`,
  ),
  en(
    'en-decode-and-follow',
    String.raw`\bdecode\b[^.\n]{0,30}?\b(?:and|then)\s+(?:follow|execute|obey|run|do)\s+(?:it|them|what\s+it\s+says|the\s+(?:instructions?|commands?))\b`,
  ),
];

const BASE64 = /[A-Za-z0-9+/]{24,}={0,2}/gu;
// Unicode tag characters spell ASCII invisibly ("ASCII smuggling"); the only ordinary use is in
// subdivision flags, which follow U+1F3F4.
const TAGS = /(?<![\u{1F3F4}\u{E0020}-\u{E007F}])[\u{E0020}-\u{E007F}]{4,}/u;

/** Findings for one text: at most one per rule (the first occurrence), in rule order. */
export function detectInjection(text: string): InjectionFinding[] {
  return detect(text, true);
}

function detect(text: string, decodeBlobs: boolean): InjectionFinding[] {
  const views = makeViews(text);
  const findings: InjectionFinding[] = [];
  for (const rule of RULES) {
    const m = rule.re.exec(views[rule.view]);
    if (m) findings.push({ rule: rule.id, excerpt: clip(m[0]) });
  }
  const tags = TAGS.exec(text);
  if (tags) {
    const hidden = [...tags[0]].map((c) => String.fromCharCode((c.codePointAt(0) ?? 0) - 0xe0000));
    findings.push({ rule: 'hidden-unicode-tags', excerpt: clip(hidden.join('')) });
  }
  if (decodeBlobs) {
    const encoded = encodedInstructions(text);
    if (encoded) findings.push(encoded);
  }
  return findings;
}

/** A base64 blob that decodes to readable text which itself trips a rule. */
function encodedInstructions(text: string): InjectionFinding | null {
  for (const [blob] of text.matchAll(BASE64)) {
    const decoded = Buffer.from(blob, 'base64').toString('utf8');
    if (!readable(decoded)) continue;
    const inner = detect(decoded, false);
    if (inner.length > 0) {
      return {
        rule: 'encoded-instructions',
        excerpt: clip(`${inner.map((f) => f.rule).join(',')}: ${inner[0]?.excerpt ?? ''}`),
      };
    }
  }
  return null;
}

/** Decoded bytes that are text: valid UTF-8 and no control characters other than whitespace. */
const readable = (s: string): boolean => s.length > 0 && !/\uFFFD|(?![\t\n\r])\p{Cc}/u.test(s);

function makeViews(text: string): Record<View, string> {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\p{Cf}/gu, '');
  return {
    spaced: folded.replace(/\s+/gu, ' '),
    compact: folded.replace(/\s+/gu, ''),
  };
}

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 79)}…` : s);
