import { z } from 'zod';
import { checkExplicitLabel, parseProducerCode } from '../guard/aigc.js';
import { CLEARANCES, type Clearance } from '../guard/levels.js';
import { isRiskId, RISK_CLASSES } from '../guard/safety/risks.js';

/** Provider adapters the hub ships; `openai-compatible` covers vLLM, SGLang, llama.cpp, Xinference, MindIE. */
export const PROVIDERS = [
  'openai-compatible',
  'deepseek',
  'dashscope',
  'zhipu',
  'moonshot',
  'qianfan',
  'hunyuan',
  'ark',
  'siliconflow',
  'ollama',
] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Where an endpoint runs; the guard maps each domain to the highest data level it may receive. */
export const DOMAINS = ['gov-intranet', 'gov-extranet', 'gov-cloud', 'internet'] as const;
export type Domain = (typeof DOMAINS)[number];

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'use 1-63 lowercase letters, digits, ".", "_" or "-"');
const modelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/, 'use letters, digits and . _ : / @ -');
const posInt = z.coerce.number().int().positive();

/** A CNY amount as an exact decimal (YAML numbers are accepted and read back as written). */
const yuan = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'a CNY amount with at most 6 decimals'));

/** Limits for an organisation (covering its subtree) or a key. */
export const limitsSchema = z.strictObject({
  rpm: posInt.optional(),
  tpm: posInt.optional(),
  monthly_tokens: posInt.optional(),
  /** CNY per calendar month (Asia/Shanghai). */
  monthly_budget: yuan.optional(),
});
export type LimitsInput = z.infer<typeof limitsSchema>;

export interface OrgInput {
  code: string;
  name: string;
  kind?: 'province' | 'city' | 'county' | 'department' | undefined;
  limits?: LimitsInput | undefined;
  /** Keep prompts and answers (SM4-encrypted, auditor-only) for calls in this subtree. */
  store_content?: boolean | undefined;
  /** Default data level of the subtree's requests (the guard takes the highest it is given). */
  data_level?: Clearance | undefined;
  /** Requests nobody is cleared for: masked and sent up to this level, refused above it. */
  mask_up_to?: Clearance | undefined;
  children?: OrgInput[] | undefined;
}
const level = z.enum(CLEARANCES);
const orgSchema: z.ZodType<OrgInput> = z.lazy(() =>
  z.strictObject({
    code: slug,
    name: z.string().min(1).max(200),
    kind: z.enum(['province', 'city', 'county', 'department']).optional(),
    limits: limitsSchema.optional(),
    store_content: z.boolean().optional(),
    data_level: level.optional(),
    mask_up_to: level.optional(),
    children: z.array(orgSchema).optional(),
  }),
);

const priceSchema = z.strictObject({
  /** First Shanghai day the price applies. */
  from: z.iso.date(),
  /** CNY per 1,000 prompt tokens. */
  input: yuan,
  /** CNY per 1,000 completion tokens. */
  output: yuan,
  /** CNY per 1,000 cached prompt tokens (default: the input price). */
  cached_input: yuan.optional(),
});

const timeoutsSchema = z.strictObject({
  connect_ms: posInt.optional(),
  first_byte_ms: posInt.optional(),
  total_ms: posInt.optional(),
});

const endpointSchema = z.strictObject({
  name: slug,
  provider: z.enum(PROVIDERS),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'name an environment variable')
    .optional(),
  domain: z.enum(DOMAINS),
  /** The highest data level it may receive; at most its domain's default (the default). */
  clearance: level.optional(),
  models: z
    .array(z.strictObject({ upstream: z.string().min(1).max(200), name: modelName }))
    .default([]),
  timeouts: timeoutsSchema.optional(),
});

const modelSchema = z.strictObject({
  name: modelName,
  description: z.string().max(500).optional(),
  targets: z
    .array(
      z.strictObject({
        endpoint: slug,
        weight: z.coerce.number().positive().default(1),
        /** Upstream model id; defaults to the endpoint's mapping for this public name. */
        model: z.string().min(1).max(200).optional(),
      }),
    )
    .min(1),
  fallback: z.array(modelName).default([]),
  prices: z.array(priceSchema).default([]),
});

export const configSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  data_dir: z.string().min(1).default('./data'),
  /** postgres://… selects server mode; absent means embedded PGlite under data_dir. */
  database_url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres://')
    .optional(),
  /** 32 hex characters (an SM4 key). */
  master_key: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal characters')
    .optional(),
  master_key_file: z.string().min(1).optional(),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  body_limit_bytes: posInt.default(8 * 1024 * 1024),
  /** Milliseconds between checks for changes made by other processes (keys, registry). */
  sync_interval_ms: posInt.default(250),
  root_org: z
    .strictObject({
      code: slug.default('root'),
      name: z.string().min(1).default('中枢平台运营方'),
      limits: limitsSchema.optional(),
      store_content: z.boolean().optional(),
      data_level: level.optional(),
      mask_up_to: level.optional(),
    })
    .default({ code: 'root', name: '中枢平台运营方' }),
  /** redis://… shares rate-limit, quota and budget counters between hub instances. */
  redis_url: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  audit: z
    .strictObject({
      /** 等保 asks for at least six months; 365 for internet-facing deployments. */
      retention_days: z.coerce.number().int().min(184).max(36_500).default(184),
      /** Sign the chain head every this many entries (and on demand). */
      checkpoint_every: z.coerce.number().int().min(10).max(1_000_000).default(1000),
      /** An SM2 private key (64 hex characters) to sign with instead of the one the hub keeps. */
      signing_key_file: z.string().min(1).optional(),
    })
    .default({ retention_days: 184, checkpoint_every: 1000 }),
  security: z
    .strictObject({
      lockout_threshold: posInt.default(5),
      lockout_minutes: posInt.default(30),
      idle_timeout_minutes: posInt.default(30),
      session_max_hours: posInt.default(12),
    })
    .default({
      lockout_threshold: 5,
      lockout_minutes: 30,
      idle_timeout_minutes: 30,
      session_max_hours: 12,
    }),
  gateway: z
    .strictObject({
      connect_timeout_ms: posInt.default(5_000),
      first_byte_timeout_ms: posInt.default(120_000),
      total_timeout_ms: posInt.default(600_000),
      max_attempts: posInt.default(4),
      retries_per_target: z.coerce.number().int().min(0).max(5).default(1),
      retry_base_ms: posInt.default(100),
      /** A Retry-After longer than this moves on to the next target instead of waiting. */
      retry_max_wait_ms: posInt.default(5_000),
      breaker_failure_threshold: posInt.default(5),
      breaker_cooldown_ms: posInt.default(30_000),
    })
    .default({
      connect_timeout_ms: 5_000,
      first_byte_timeout_ms: 120_000,
      total_timeout_ms: 600_000,
      max_attempts: 4,
      retries_per_target: 1,
      retry_base_ms: 100,
      retry_max_wait_ms: 5_000,
      breaker_failure_threshold: 5,
      breaker_cooldown_ms: 30_000,
    }),
  /** AI-generated content labels (GB 45438-2025), see docs/guard.md. */
  aigc: z
    .strictObject({
      /** The deployment's 27-character service-provider code (ContentProducer). */
      producer: z
        .string()
        .superRefine((code, ctx) => {
          try {
            parseProducerCode(code);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        })
        .optional(),
      /** Shown with AI answers by apps and in exports. */
      explicit_label: z
        .string()
        .min(2)
        .max(100)
        .superRefine((text, ctx) => {
          try {
            checkExplicitLabel(text);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        })
        .default('本内容由人工智能生成'),
    })
    .default({ explicit_label: '本内容由人工智能生成' }),
  /**
   * Console login through the government's unified identity provider (OpenID Connect, code flow
   * with PKCE); see docs/identity.md. Accounts and roles stay in the hub: the provider only
   * vouches for who is logging in.
   */
  oidc: z
    .strictObject({
      /** The provider's issuer URL; its /.well-known/openid-configuration is read at first use. */
      issuer: z.url(),
      client_id: z.string().min(1),
      /** Environment variable holding the client secret (omit for a public client). */
      client_secret_env: z.string().min(1).optional(),
      /** The hub's callback as the provider knows it: https://<hub>/api/v1/auth/oidc/callback */
      redirect_url: z.url(),
      scopes: z.string().min(1).default('openid profile'),
      /** The ID-token claim holding the hub username. */
      username_claim: z.string().min(1).default('preferred_username'),
      /** The login button's text. */
      label: z.string().min(1).max(40).default('统一身份认证登录'),
    })
    .optional(),
  /** Content safety (GB/T 45654): lexicon moderation, suspension, injection flags; docs/content-safety.md. */
  safety: z
    .strictObject({
      /** The operator's keyword library (TSV, CSV or JSONL); without one, nothing is moderated. */
      lexicon_file: z.string().min(1).optional(),
      /** Skippable characters allowed between two characters of a term (违 禁 matches 违禁). */
      max_gap: z.coerce.number().int().min(0).max(3).default(3),
      /** Moderate what clients send, and what models answer. */
      input: z.boolean().default(true),
      output: z.boolean().default(true),
      /** Flag prompt-injection patterns in tool and function messages (never blocks). */
      injection: z.boolean().default(true),
      /** Suspension on repeated blocked input: N in a row or N per Asia/Shanghai day; 0 turns a rule off. */
      violations: z
        .strictObject({
          consecutive: z.coerce.number().int().min(0).default(3),
          per_day: z.coerce.number().int().min(0).default(5),
          suspend_minutes: posInt.default(1440),
        })
        .default({ consecutive: 3, per_day: 5, suspend_minutes: 1440 }),
      /** Refusal texts by risk ID (A.1.g), class (A.1) or `default`; the most specific wins. */
      refusals: z
        .record(z.string(), z.string().min(1).max(500))
        .superRefine((map, ctx) => {
          const classes = new Set<string>(RISK_CLASSES.map((c) => c.cls));
          for (const key of Object.keys(map)) {
            if (key !== 'default' && !classes.has(key) && !isRiskId(key))
              ctx.addIssue({
                code: 'custom',
                path: [key],
                message: `unknown risk "${key}" (expected an Annex A ID such as A.1.a, a class such as A.2, or default)`,
              });
          }
        })
        .default({}),
    })
    .default({
      max_gap: 3,
      input: true,
      output: true,
      injection: true,
      violations: { consecutive: 3, per_day: 5, suspend_minutes: 1440 },
      refusals: {},
    }),
  orgs: z.array(orgSchema).default([]),
  endpoints: z.array(endpointSchema).default([]),
  models: z.array(modelSchema).default([]),
});

export type RawConfig = z.infer<typeof configSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
