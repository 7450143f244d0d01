export const m0001 = {
  id: '0001-foundation',
  sql: /* sql */ `
CREATE TABLE zs_state (key text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO zs_state (key, value) VALUES ('change_version', 0);

CREATE TABLE orgs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  kind text CHECK (kind IN ('platform', 'province', 'city', 'county', 'department')),
  parent_id uuid REFERENCES orgs(id),
  path text NOT NULL,
  source text NOT NULL DEFAULT 'api',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orgs_path_idx ON orgs (path text_pattern_ops);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  org_id uuid NOT NULL REFERENCES orgs(id),
  password_hash text NOT NULL,
  must_change_password boolean NOT NULL DEFAULT true,
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz
);

CREATE TABLE user_roles (
  user_id uuid NOT NULL REFERENCES users(id),
  role text NOT NULL CHECK (role IN ('sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer', 'member')),
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users(id),
  ip text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE TABLE login_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  username text NOT NULL,
  user_id uuid,
  ip text,
  outcome text NOT NULL,
  reason text
);
CREATE INDEX login_events_at_idx ON login_events (at);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs(id),
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  models text[],
  ip_allow text[],
  expires_at timestamptz,
  revoked_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id);

CREATE TABLE endpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  provider text NOT NULL,
  base_url text NOT NULL,
  domain text NOT NULL CHECK (domain IN ('gov-intranet', 'gov-extranet', 'gov-cloud', 'internet')),
  api_key_sealed text,
  models jsonb NOT NULL DEFAULT '[]',
  timeouts jsonb NOT NULL DEFAULT '{}',
  source text NOT NULL DEFAULT 'api',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE models (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  description text,
  targets jsonb NOT NULL,
  fallback jsonb NOT NULL DEFAULT '[]',
  source text NOT NULL DEFAULT 'api',
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
};
