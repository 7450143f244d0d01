/**
 * A latency histogram per daily rollup row (src/metering/latency.ts), so usage reports and the
 * console can show p95 latency over any range without reading the call records. Rows written
 * before this migration have none and count only in the mean.
 */
export const m0007 = {
  id: '0007-latency-histogram',
  sql: /* sql */ `
ALTER TABLE usage_daily ADD COLUMN latency_buckets bigint[];

CREATE OR REPLACE FUNCTION zs_usage_write(p_usage jsonb, p_content jsonb, p_daily jsonb)
RETURNS integer
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
      completion_tokens, cached_tokens, cost_nano, latency_ms_sum, latency_buckets)
    SELECT day, org_id, key_id, model, requests, errors, prompt_tokens, completion_tokens,
      cached_tokens, cost_nano, latency_ms_sum, latency_buckets
      FROM jsonb_populate_recordset(NULL::usage_daily, p_daily)
    ON CONFLICT (day, org_id, key_id, model) DO UPDATE SET
      requests = d.requests + excluded.requests,
      errors = d.errors + excluded.errors,
      prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = d.completion_tokens + excluded.completion_tokens,
      cached_tokens = d.cached_tokens + excluded.cached_tokens,
      cost_nano = d.cost_nano + excluded.cost_nano,
      latency_ms_sum = d.latency_ms_sum + excluded.latency_ms_sum,
      -- Element by element; a row from before the histogram existed starts from this batch's.
      latency_buckets = CASE WHEN d.latency_buckets IS NULL THEN excluded.latency_buckets
        ELSE ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0)
                     FROM unnest(d.latency_buckets, excluded.latency_buckets) AS u(a, b)) END;
  END IF;
  RETURN 1;
END;
$$;
`,
};
