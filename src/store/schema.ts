import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  integer,
  jsonb,
  pgTable,
  primaryKey,
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
