/**
 * Content safety: the moderated inputs that matter for the suspension policy (暂行办法 Art. 14).
 * Only violations and the clean input that ends a run of them are stored; the rest of a user's
 * clean inputs change no decision (see src/guard/safety/violations.ts).
 */
export const m0006 = {
  id: '0006-safety',
  sql: /* sql */ `
CREATE TABLE safety_events (
  id bigserial PRIMARY KEY,
  -- key:<api key id>, or key:<id>/user:<the request's user field> for an app's end users
  subject text NOT NULL,
  org_id uuid NOT NULL,
  at timestamptz NOT NULL,
  violated boolean NOT NULL,
  suspended boolean NOT NULL DEFAULT false,
  -- End of the suspension this event started; a lift by the security administrator sets it to
  -- the time of the lift.
  until timestamptz,
  risk text,
  request_id text
);
CREATE INDEX safety_events_subject_at ON safety_events (subject, at DESC);
CREATE INDEX safety_events_suspended ON safety_events (until) WHERE suspended;
`,
};
