/**
 * Metering and audit at scale: the price catalog, per-call usage records (partitioned by month),
 * a daily rollup that bills and dashboards read, limits, per-organisation audit policy, sealed
 * call content, the ledger's signing key, and the ledger itself re-created partitioned by sequence
 * ranges (an append-only table whose hot end is always the newest partition).
 */
export const m0003 = {
  id: '0003-metering',
  sql: /* sql */ `
CREATE TABLE model_prices (
  model text NOT NULL,
  effective_from date NOT NULL,
  -- CNY per 1,000 tokens, exact decimals (no binary floating point anywhere in billing).
  input_per_1k numeric(18, 6) NOT NULL CHECK (input_per_1k >= 0),
  output_per_1k numeric(18, 6) NOT NULL CHECK (output_per_1k >= 0),
  cached_input_per_1k numeric(18, 6) CHECK (cached_input_per_1k >= 0),
  source text NOT NULL DEFAULT 'api',
  PRIMARY KEY (model, effective_from)
);

CREATE TABLE usage_records (
  at timestamptz NOT NULL,
  request_id text NOT NULL,
  org_id uuid NOT NULL,
  key_id uuid,
  user_id uuid,
  app_id text,
  op text NOT NULL,
  model text NOT NULL,
  served_model text,
  endpoint text,
  stream boolean NOT NULL,
  data_level text,
  prompt_tokens integer NOT NULL,
  completion_tokens integer NOT NULL,
  cached_tokens integer NOT NULL,
  estimated boolean NOT NULL,
  latency_ms real NOT NULL,
  ttft_ms real,
  status integer NOT NULL,
  error_code text,
  attempts integer NOT NULL,
  -- 1e-9 CNY: tokens × (CNY per 1k with 6 decimals) / 1000 is always a whole number of these.
  cost_nano bigint NOT NULL,
  ledger_seq bigint NOT NULL
) PARTITION BY RANGE (at);
-- Rows land here only if the monthly partition was not created in time; maintenance moves on.
CREATE TABLE usage_records_default PARTITION OF usage_records DEFAULT;
CREATE INDEX usage_records_org_at_idx ON usage_records (org_id, at);
CREATE INDEX usage_records_request_idx ON usage_records (request_id);

-- What bills and dashboards read: one row per Shanghai day × organisation × key × model.
CREATE TABLE usage_daily (
  day date NOT NULL,
  org_id uuid NOT NULL,
  key_id uuid NOT NULL,
  model text NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  prompt_tokens bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  cached_tokens bigint NOT NULL,
  cost_nano bigint NOT NULL,
  latency_ms_sum double precision NOT NULL,
  PRIMARY KEY (day, org_id, key_id, model)
);
CREATE INDEX usage_daily_org_day_idx ON usage_daily (org_id, day);

-- Rate limits, token quotas and budgets, per organisation (covering its subtree) or per key.
CREATE TABLE limits (
  scope text NOT NULL CHECK (scope IN ('org', 'key')),
  scope_id uuid NOT NULL,
  rpm integer CHECK (rpm > 0),
  tpm integer CHECK (tpm > 0),
  monthly_tokens bigint CHECK (monthly_tokens > 0),
  monthly_budget_nano bigint CHECK (monthly_budget_nano > 0),
  source text NOT NULL DEFAULT 'api',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, scope_id)
);

-- Audit policy per organisation; the nearest ancestor with a row decides for its subtree.
CREATE TABLE org_policies (
  org_id uuid PRIMARY KEY,
  store_content boolean NOT NULL,
  source text NOT NULL DEFAULT 'api',
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Prompts and answers, kept only under a store_content policy: SM4-CTR + HMAC-SM3, bound to
-- the request id; readable through the auditor's API only.
CREATE TABLE ledger_content (
  request_id text PRIMARY KEY,
  at timestamptz NOT NULL,
  org_id uuid NOT NULL,
  sealed text NOT NULL
);
CREATE INDEX ledger_content_at_idx ON ledger_content (at);

-- The SM2 checkpoint key, sealed under the master key, so every hub on one server signs alike.
CREATE TABLE ledger_keys (
  key_id text PRIMARY KEY,
  public_key text NOT NULL,
  private_key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The ledger again, now partitioned by ranges of one million entries.
ALTER TABLE ledger_entries RENAME TO ledger_entries_0002;
DROP TRIGGER ledger_entries_append_only ON ledger_entries_0002;
ALTER INDEX ledger_entries_pkey RENAME TO ledger_entries_0002_pkey;
ALTER INDEX ledger_entries_at_idx RENAME TO ledger_entries_0002_at_idx;
ALTER INDEX ledger_entries_request_idx RENAME TO ledger_entries_0002_request_idx;
CREATE TABLE ledger_entries (
  seq bigint NOT NULL,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  org_id uuid,
  action text NOT NULL,
  object text,
  outcome text NOT NULL,
  ip text,
  request_id text,
  detail jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (seq)
) PARTITION BY RANGE (seq);
CREATE TABLE ledger_entries_default PARTITION OF ledger_entries DEFAULT;
CREATE INDEX ledger_entries_at_idx ON ledger_entries (at);
CREATE INDEX ledger_entries_request_idx ON ledger_entries (request_id);
CREATE INDEX ledger_entries_org_at_idx ON ledger_entries (org_id, at);
CREATE TABLE ledger_entries_s0000 PARTITION OF ledger_entries FOR VALUES FROM (0) TO (1000001);
INSERT INTO ledger_entries SELECT * FROM ledger_entries_0002;
DROP TABLE ledger_entries_0002;

-- Retention is the one path that removes entries: it sets zs.ledger_purge for its transaction.
CREATE OR REPLACE FUNCTION zs_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME LIKE 'ledger_entries%'
     AND current_setting('zs.ledger_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the audit ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION zs_ledger_append_only();
`,
};
