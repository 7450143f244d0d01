import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const id = () =>
  uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`);

/** One row, `change_version`, bumped on every change other hub processes must notice. */
export const state = pgTable('zs_state', {
  key: text('key').primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull(),
});

/** 组织机构: 省 → 市 → 县 → 部门. `path` is the chain of ids from the root, for subtree scoping. */
export const orgs = pgTable('orgs', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  kind: text('kind'),
  parentId: uuid('parent_id'),
  path: text('path').notNull(),
  source: text('source').notNull().default('api'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const users = pgTable('users', {
  id: id(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  orgId: uuid('org_id').notNull(),
  passwordHash: text('password_hash').notNull(),
  mustChangePassword: boolean('must_change_password').notNull().default(true),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: ts('locked_until'),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  passwordChangedAt: ts('password_changed_at'),
});

export const userRoles = pgTable(
  'user_roles',
  {
    userId: uuid('user_id').notNull(),
    role: text('role').notNull(),
    grantedBy: text('granted_by').notNull(),
    grantedAt: ts('granted_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.role] })],
);

export const sessions = pgTable('sessions', {
  id: id(),
  tokenHash: text('token_hash').notNull().unique(),
  userId: uuid('user_id').notNull(),
  ip: text('ip'),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  revokedAt: ts('revoked_at'),
  /** `password` or `oidc` (migration 0008). */
  method: text('method').notNull().default('password'),
});

/** Every login attempt, successful or not (等保: 登录行为可审计). */
export const loginEvents = pgTable('login_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: ts('at').notNull().defaultNow(),
  username: text('username').notNull(),
  userId: uuid('user_id'),
  ip: text('ip'),
  outcome: text('outcome').notNull(),
  reason: text('reason'),
  method: text('method').notNull().default('password'),
});

export const apiKeys = pgTable('api_keys', {
  id: id(),
  orgId: uuid('org_id').notNull(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull().unique(),
  models: text('models').array(),
  ipAllow: text('ip_allow').array(),
  expiresAt: ts('expires_at'),
  revokedAt: ts('revoked_at'),
  /** The key's default data level (the guard takes the higher of this and its organisation's). */
  dataLevel: text('data_level'),
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export interface EndpointModel {
  upstream: string;
  name: string;
}
export interface Timeouts {
  connect_ms?: number | undefined;
  first_byte_ms?: number | undefined;
  total_ms?: number | undefined;
}
export interface Target {
  endpoint: string;
  weight: number;
  model?: string | undefined;
}

export const endpoints = pgTable('endpoints', {
  id: id(),
  name: text('name').notNull().unique(),
  provider: text('provider').notNull(),
  baseUrl: text('base_url').notNull(),
  domain: text('domain').notNull(),
  /** SM4-CTR + HMAC-SM3 under the master key; never returned by any API. */
  apiKeySealed: text('api_key_sealed'),
  models: jsonb('models').$type<EndpointModel[]>().notNull(),
  timeouts: jsonb('timeouts').$type<Timeouts>().notNull(),
  /** Highest data level it may receive; NULL: its domain's default. */
  clearance: text('clearance'),
  source: text('source').notNull().default('api'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const models = pgTable('models', {
  id: id(),
  name: text('name').notNull().unique(),
  description: text('description'),
  targets: jsonb('targets').$type<Target[]>().notNull(),
  fallback: jsonb('fallback').$type<string[]>().notNull(),
  source: text('source').notNull().default('api'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const ledgerEntries = pgTable('ledger_entries', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  at: ts('at').notNull(),
  actor: text('actor').notNull(),
  orgId: uuid('org_id'),
  action: text('action').notNull(),
  object: text('object'),
  outcome: text('outcome').notNull(),
  ip: text('ip'),
  requestId: text('request_id'),
  detail: jsonb('detail').$type<Record<string, unknown>>(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const ledgerHead = pgTable('ledger_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

export const ledgerCheckpoints = pgTable('ledger_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  signedAt: ts('signed_at').notNull(),
  keyId: text('key_id').notNull(),
  publicKey: text('public_key').notNull(),
  signature: text('signature').notNull(),
});

export const modelPrices = pgTable(
  'model_prices',
  {
    model: text('model').notNull(),
    /** `YYYY-MM-DD`, a Shanghai calendar day. */
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
    /** CNY per 1,000 tokens as exact decimal strings. */
    inputPer1k: numeric('input_per_1k').notNull(),
    outputPer1k: numeric('output_per_1k').notNull(),
    cachedInputPer1k: numeric('cached_input_per_1k'),
    source: text('source').notNull().default('api'),
  },
  (t) => [primaryKey({ columns: [t.model, t.effectiveFrom] })],
);

export const usageRecords = pgTable('usage_records', {
  at: ts('at').notNull(),
  requestId: text('request_id').notNull(),
  orgId: uuid('org_id').notNull(),
  keyId: uuid('key_id'),
  userId: uuid('user_id'),
  appId: text('app_id'),
  op: text('op').notNull(),
  model: text('model').notNull(),
  servedModel: text('served_model'),
  endpoint: text('endpoint'),
  stream: boolean('stream').notNull(),
  dataLevel: text('data_level'),
  promptTokens: integer('prompt_tokens').notNull(),
  completionTokens: integer('completion_tokens').notNull(),
  cachedTokens: integer('cached_tokens').notNull(),
  estimated: boolean('estimated').notNull(),
  latencyMs: real('latency_ms').notNull(),
  ttftMs: real('ttft_ms'),
  status: integer('status').notNull(),
  errorCode: text('error_code'),
  attempts: integer('attempts').notNull(),
  costNano: bigint('cost_nano', { mode: 'bigint' }).notNull(),
  ledgerSeq: bigint('ledger_seq', { mode: 'number' }).notNull(),
});

export const usageDaily = pgTable(
  'usage_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    orgId: uuid('org_id').notNull(),
    keyId: uuid('key_id').notNull(),
    model: text('model').notNull(),
    requests: bigint('requests', { mode: 'number' }).notNull(),
    errors: bigint('errors', { mode: 'number' }).notNull(),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull(),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull(),
    cachedTokens: bigint('cached_tokens', { mode: 'number' }).notNull(),
    costNano: bigint('cost_nano', { mode: 'bigint' }).notNull(),
    latencyMsSum: doublePrecision('latency_ms_sum').notNull(),
    /** Calls per latency bucket (src/metering/latency.ts); null on rows older than migration 0007. */
    latencyBuckets: bigint('latency_buckets', { mode: 'number' }).array(),
  },
  (t) => [primaryKey({ columns: [t.day, t.orgId, t.keyId, t.model] })],
);

export const limits = pgTable(
  'limits',
  {
    scope: text('scope').$type<'org' | 'key'>().notNull(),
    scopeId: uuid('scope_id').notNull(),
    rpm: integer('rpm'),
    tpm: integer('tpm'),
    monthlyTokens: bigint('monthly_tokens', { mode: 'number' }),
    monthlyBudgetNano: bigint('monthly_budget_nano', { mode: 'bigint' }),
    source: text('source').notNull().default('api'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.scopeId] })],
);

export const orgPolicies = pgTable('org_policies', {
  orgId: uuid('org_id').primaryKey(),
  storeContent: boolean('store_content').notNull(),
  source: text('source').notNull().default('api'),
  updatedBy: text('updated_by').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** The security administrator's tightening of an endpoint's clearance (never above policy). */
export const endpointClearances = pgTable('endpoint_clearances', {
  endpoint: text('endpoint').primaryKey(),
  clearance: text('clearance').notNull(),
  setBy: text('set_by').notNull(),
  setAt: ts('set_at').notNull().defaultNow(),
});

/** Per organisation and its subtree: default data level, and the level up to which to mask. */
export const guardPolicies = pgTable('guard_policies', {
  orgId: uuid('org_id').primaryKey(),
  dataLevel: text('data_level'),
  maskUpTo: text('mask_up_to'),
  source: text('source').notNull().default('api'),
  updatedBy: text('updated_by').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const ledgerContent = pgTable('ledger_content', {
  requestId: text('request_id').primaryKey(),
  at: ts('at').notNull(),
  orgId: uuid('org_id').notNull(),
  sealed: text('sealed').notNull(),
});

export const ledgerKeys = pgTable('ledger_keys', {
  keyId: text('key_id').primaryKey(),
  publicKey: text('public_key').notNull(),
  privateKeySealed: text('private_key_sealed').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Moderated inputs that count for the suspension policy: violations and run-ending clean ones. */
export const safetyEvents = pgTable('safety_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  subject: text('subject').notNull(),
  orgId: uuid('org_id').notNull(),
  at: ts('at').notNull(),
  violated: boolean('violated').notNull(),
  suspended: boolean('suspended').notNull().default(false),
  until: ts('until'),
  risk: text('risk'),
  requestId: text('request_id'),
});
