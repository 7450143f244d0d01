/**
 * The guard's settings (数据不出域): each deployment's clearance, each organisation's default
 * data level and masking policy, each key's default level.
 */
export const m0005 = {
  id: '0005-guard',
  sql: /* sql */ `
-- From zhongshu.yaml (endpoints[].clearance); NULL: the domain's default.
ALTER TABLE endpoints ADD COLUMN clearance text;

-- The security administrator's tightening, kept apart from the config-managed row so that
-- re-applying the config never loosens it. The effective clearance is the lowest of the domain
-- default, the config's and this.
CREATE TABLE endpoint_clearances (
  endpoint text PRIMARY KEY,
  clearance text NOT NULL,
  set_by text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now()
);

-- Per organisation (covering its subtree unless a descendant says otherwise): the default data
-- level of its requests, and up to which level a request nobody is cleared for is masked and sent.
CREATE TABLE guard_policies (
  org_id uuid PRIMARY KEY,
  data_level text,
  mask_up_to text,
  source text NOT NULL DEFAULT 'api',
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE api_keys ADD COLUMN data_level text;
`,
};
