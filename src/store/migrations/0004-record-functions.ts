/**
 * The recorder's write path as two functions. Every /v1 call waits for its batch to commit, and
 * as one ad-hoc statement a batch cost more to parse and plan than to execute (about 1 of 2 ms
 * on the embedded database, measured). PostgreSQL keeps a PL/pgSQL function's plans for the
 * session, so a batch is now one short `SELECT zs_ledger_append(…), zs_usage_write(…)`: both
 * run in that statement's transaction, and an exception in either writes nothing at all.
 */
export const m0004 = {
  id: '0004-record-functions',
  sql: /* sql */ `
-- Appends entries (a JSON array, in order, already chained) onto the head they were chained on,
-- and the checkpoint signing their last hash when one is due. Fails with serialization_failure
-- if another writer moved the head meanwhile: the caller then retries under the head's lock.
CREATE FUNCTION zs_ledger_append(p_from_seq bigint, p_from_hash text, p_entries jsonb,
                                 p_checkpoint jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint := (p_entries -> -1 ->> 'seq')::bigint;
BEGIN
  UPDATE ledger_head SET seq = v_seq, hash = p_entries -> -1 ->> 'hash'
   WHERE id = 1 AND seq = p_from_seq AND hash = p_from_hash;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the ledger head is no longer at %', p_from_seq
      USING ERRCODE = 'serialization_failure';
  END IF;
  INSERT INTO ledger_entries (seq, at, actor, org_id, action, object, outcome, ip, request_id,
                              detail, prev_hash, hash)
  SELECT seq, at, actor, org_id, action, object, outcome, ip, request_id, detail, prev_hash, hash
    FROM jsonb_populate_recordset(NULL::ledger_entries, p_entries);
  IF p_checkpoint IS NOT NULL THEN
    INSERT INTO ledger_checkpoints (seq, hash, signed_at, key_id, public_key, signature)
    SELECT seq, hash, signed_at, key_id, public_key, signature
      FROM jsonb_populate_record(NULL::ledger_checkpoints, p_checkpoint);
  END IF;
  RETURN v_seq;
END;
$$;

-- A batch's usage rows, sealed content and daily rollup increments (JSON arrays, or NULL for
-- none). The rollup has one element per (day, org, key, model), so no row is updated twice.
CREATE FUNCTION zs_usage_write(p_usage jsonb, p_content jsonb, p_daily jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
  IF p_usage IS NOT NULL THEN
    INSERT INTO usage_records (at, request_id, org_id, key_id, user_id, app_id, op, model,
      served_model, endpoint, stream, data_level, prompt_tokens, completion_tokens, cached_tokens,
      estimated, latency_ms, ttft_ms, status, error_code, attempts, cost_nano, ledger_seq)
    SELECT at, request_id, org_id, key_id, user_id, app_id, op, model, served_model, endpoint,
      stream, data_level, prompt_tokens, completion_tokens, cached_tokens, estimated, latency_ms,
      ttft_ms, status, error_code, attempts, cost_nano, ledger_seq
      FROM jsonb_populate_recordset(NULL::usage_records, p_usage);
  END IF;
  IF p_content IS NOT NULL THEN
    INSERT INTO ledger_content (request_id, at, org_id, sealed)
    SELECT request_id, at, org_id, sealed
      FROM jsonb_populate_recordset(NULL::ledger_content, p_content);
  END IF;
  IF p_daily IS NOT NULL THEN
    INSERT INTO usage_daily AS d (day, org_id, key_id, model, requests, errors, prompt_tokens,
      completion_tokens, cached_tokens, cost_nano, latency_ms_sum)
    SELECT day, org_id, key_id, model, requests, errors, prompt_tokens, completion_tokens,
      cached_tokens, cost_nano, latency_ms_sum
      FROM jsonb_populate_recordset(NULL::usage_daily, p_daily)
    ON CONFLICT (day, org_id, key_id, model) DO UPDATE SET
      requests = d.requests + excluded.requests,
      errors = d.errors + excluded.errors,
      prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = d.completion_tokens + excluded.completion_tokens,
      cached_tokens = d.cached_tokens + excluded.cached_tokens,
      cost_nano = d.cost_nano + excluded.cost_nano,
      latency_ms_sum = d.latency_ms_sum + excluded.latency_ms_sum;
  END IF;
  RETURN 1;
END;
$$;
`,
};
