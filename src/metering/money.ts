/**
 * Exact money. Prices are CNY per 1,000 tokens with at most six decimals, so a call's cost,
 * tokens × price / 1000, is always a whole number of nano-yuan (1e-9 CNY). Amounts are bigints in
 * that unit from the price catalog to the bill; decimals appear only when printed.
 */
export const NANO_PER_YUAN = 1_000_000_000n;

/** `"0.002"` → 2_000_000n (nano-yuan). Throws on anything but a plain non-negative decimal. */
export function yuanToNano(decimal: string): bigint {
  const match = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(decimal.trim());
  if (!match) throw new Error(`not a CNY amount: ${decimal}`);
  const fraction = (match[2] ?? '').padEnd(9, '0');
  return BigInt(match[1]!) * NANO_PER_YUAN + BigInt(fraction);
}

/** The exact amount as a decimal string with `places` decimals, rounding half up. */
export function formatYuan(nano: bigint, places = 9): string {
  const negative = nano < 0n;
  let abs = negative ? -nano : nano;
  const drop = 10n ** BigInt(9 - places);
  if (drop > 1n) abs = (abs + drop / 2n) / drop;
  const unit = 10n ** BigInt(places);
  const whole = abs / unit;
  const fraction = places ? `.${(abs % unit).toString().padStart(places, '0')}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export interface Price {
  /** Nano-yuan per 1,000 tokens. */
  input: bigint;
  output: bigint;
  cachedInput: bigint;
}

/**
 * What a call costs. Cached prompt tokens (a subset of the prompt tokens) are billed at the cached
 * price. Per 1k pricing divides by 1000; nano-yuan prices are multiples of 1000 (six decimals),
 * so the result is exact.
 */
export function callCost(
  price: Price,
  tokens: { prompt: number; completion: number; cached: number },
): bigint {
  const cached = BigInt(Math.min(tokens.cached, tokens.prompt));
  const prompt = BigInt(tokens.prompt) - cached;
  return (
    (prompt * price.input + cached * price.cachedInput + BigInt(tokens.completion) * price.output) /
    1000n
  );
}
