export const m0002 = {
  id: '0002-ledger',
  sql: /* sql */ `
CREATE TABLE ledger_entries (
  seq bigint PRIMARY KEY,
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
  hash text NOT NULL
);
CREATE INDEX ledger_entries_at_idx ON ledger_entries (at);
CREATE INDEX ledger_entries_request_idx ON ledger_entries (request_id);

-- The chain's head: the one row appenders lock, so hubs sharing a server append in one order.
CREATE TABLE ledger_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

CREATE TABLE ledger_checkpoints (
  seq bigint PRIMARY KEY,
  hash text NOT NULL,
  signed_at timestamptz NOT NULL,
  key_id text NOT NULL,
  public_key text NOT NULL,
  signature text NOT NULL
);

-- Append-only: entries and checkpoints are never updated or deleted through the hub's own
-- connection. (Retention purges old entries through a dedicated, audited path.)
CREATE FUNCTION zs_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION zs_ledger_append_only();
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION zs_ledger_append_only();
`,
};
