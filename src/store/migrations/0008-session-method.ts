/**
 * How a console session was opened: `password`, or `oidc` (the government's unified identity
 * provider). A password that must still be changed only restricts password sessions.
 */
export const m0008 = {
  id: '0008-session-method',
  sql: /* sql */ `
ALTER TABLE sessions ADD COLUMN method text NOT NULL DEFAULT 'password';
ALTER TABLE login_events ADD COLUMN method text NOT NULL DEFAULT 'password';
`,
};
