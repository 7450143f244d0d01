import { limitsSchema } from '../config/schema.js';
import { badRequest } from '../errors.js';
import { formatYuan, yuanToNano } from '../metering/money.js';

/** One scope's limits (an organisation, covering its subtree, or a key); null = no limit. */
export interface Limits {
  rpm: number | null;
  tpm: number | null;
  monthlyTokens: number | null;
  /** Nano-yuan (1e-9 CNY) per Shanghai calendar month. */
  monthlyBudgetNano: bigint | null;
}

/** Limits as the API, the CLI and the ledger show them (snake_case, the budget as exact CNY). */
export interface LimitsView {
  rpm: number | null;
  tpm: number | null;
  monthly_tokens: number | null;
  monthly_budget: string | null;
}

/** Limits as an API body or the CLI gives them; absent or null means no limit of that kind. */
export interface LimitsBody {
  rpm?: number | null | undefined;
  tpm?: number | null | undefined;
  monthly_tokens?: number | null | undefined;
  /** Exact CNY, e.g. "500" or "0.05" (a JSON number is read as written). */
  monthly_budget?: string | number | null | undefined;
}

/** The JSON schema of a limits body (types only: parseLimits gives the precise errors). */
export const LIMITS_BODY_SCHEMA = {
  type: 'object',
  properties: {
    rpm: { type: ['integer', 'null'] },
    tpm: { type: ['integer', 'null'] },
    monthly_tokens: { type: ['integer', 'null'] },
    // A JSON number is coerced to its text by the schema (500 → "500") and read exactly.
    monthly_budget: { type: ['string', 'null'], maxLength: 40 },
  },
  additionalProperties: false,
} as const;

export const NO_LIMITS: Limits = {
  rpm: null,
  tpm: null,
  monthlyTokens: null,
  monthlyBudgetNano: null,
};

// What the columns hold: rpm/tpm are int4; token counts stay exact as JS numbers; the budget in
// nano-yuan must fit a bigint column (9.2e18), so at most 9 billion CNY a month.
const MAX_INT4 = 2_147_483_647;
const MAX_TOKENS = Number.MAX_SAFE_INTEGER;
const MAX_BUDGET_NANO = 9_000_000_000n * 1_000_000_000n;

export class LimitsInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Read limits given in zhongshu.yaml, on the command line or in an API body (the config schema's
 * rules: positive integers, the budget a CNY decimal with at most 6 places). A null or absent
 * field means no limit. Throws LimitsInputError naming the field.
 */
export function parseLimits(input: unknown): Limits {
  const given =
    input && typeof input === 'object' && !Array.isArray(input)
      ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined))
      : input;
  const parsed = limitsSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'limits';
    throw new LimitsInputError(field, `limits.${field}: ${issue?.message ?? 'invalid'}`);
  }
  const l = parsed.data;
  const limits: Limits = {
    rpm: l.rpm ?? null,
    tpm: l.tpm ?? null,
    monthlyTokens: l.monthly_tokens ?? null,
    monthlyBudgetNano: l.monthly_budget === undefined ? null : yuanToNano(l.monthly_budget),
  };
  for (const field of ['rpm', 'tpm'] as const) {
    if ((limits[field] ?? 0) > MAX_INT4)
      throw new LimitsInputError(field, `limits.${field}: at most ${MAX_INT4}`);
  }
  if ((limits.monthlyTokens ?? 0) > MAX_TOKENS)
    throw new LimitsInputError('monthly_tokens', `limits.monthly_tokens: at most ${MAX_TOKENS}`);
  if (limits.monthlyBudgetNano === 0n)
    throw new LimitsInputError('monthly_budget', 'limits.monthly_budget: must be more than 0');
  if ((limits.monthlyBudgetNano ?? 0n) > MAX_BUDGET_NANO)
    throw new LimitsInputError('monthly_budget', 'limits.monthly_budget: at most 9000000000 CNY');
  return limits;
}

/** parseLimits for API bodies: a bad value is a 400 `invalid_limits` naming the field. */
export function limitsFromBody(input: unknown): Limits {
  try {
    return parseLimits(input);
  } catch (err) {
    if (!(err instanceof LimitsInputError)) throw err;
    throw badRequest('invalid_limits', err.message, { param: `limits.${err.field}` });
  }
}

export const hasLimits = (l: Limits): boolean =>
  l.rpm !== null || l.tpm !== null || l.monthlyTokens !== null || l.monthlyBudgetNano !== null;

/** An exact CNY amount without trailing zeros beyond cents: 500.00, 0.05, 0.000123. */
export function yuanText(nano: bigint): string {
  const full = formatYuan(nano, 9);
  const [whole, fraction = ''] = full.split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

export function limitsView(l: Limits): LimitsView {
  return {
    rpm: l.rpm,
    tpm: l.tpm,
    monthly_tokens: l.monthlyTokens,
    monthly_budget: l.monthlyBudgetNano === null ? null : yuanText(l.monthlyBudgetNano),
  };
}
