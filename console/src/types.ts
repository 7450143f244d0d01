/** The management API's shapes the console reads (see the hub's /api/openapi.json). */

export type Role = 'sysadmin' | 'secadmin' | 'auditor' | 'org_admin' | 'developer' | 'member';

export interface Me {
  name: string;
  kind: 'user' | 'operator';
  org_id: string;
  roles: Role[];
  must_change_password: boolean;
}

export interface Org {
  id: string;
  code: string;
  name: string;
  kind: string;
  parent_id: string | null;
  path: string;
}

export interface KeyInfo {
  id: string;
  name: string;
  org: string;
  prefix: string;
  models: string[] | null;
  ip_allow: string[] | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_by: string;
  created_at: string;
  data_level: string | null;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  total_tokens: number;
  cost: string;
  avg_latency_ms: number | null;
  p95_latency_ms: number | null;
}

export interface UsageReport {
  org: { code: string; name: string };
  from: string;
  to: string;
  totals: UsageTotals;
  breakdowns: {
    day?: (UsageTotals & { day: string })[];
    model?: (UsageTotals & { model: string })[];
    org?: (UsageTotals & { org: string; org_name: string })[];
  };
}

export interface LedgerEntry {
  seq: number;
  at: string;
  actor: string;
  org_id: string | null;
  org: string | null;
  action: string;
  object: string | null;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  detail: Record<string, unknown> | null;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  first_bad: { seq: number; problem: string } | null;
}
