import { forbidden } from '../errors.js';

export const ROLES = [
  'sysadmin',
  'secadmin',
  'auditor',
  'org_admin',
  'developer',
  'member',
] as const;
export type Role = (typeof ROLES)[number];

/** 三员: system, security and audit administrators; an account holds at most one of them, and nothing else. */
export const THREE_ADMINS: readonly Role[] = ['sysadmin', 'secadmin', 'auditor'];

export interface Principal {
  /** `operator` is the local CLI on the hub's own host (it can read the data directory anyway). */
  kind: 'user' | 'operator';
  userId: string | null;
  name: string;
  orgId: string;
  /** Materialised path of the caller's organisation; its subtree is what the caller may see. */
  orgPath: string;
  roles: ReadonlySet<Role>;
}

export type Action =
  | 'orgs.read'
  | 'orgs.write'
  | 'users.read'
  | 'users.write'
  | 'users.lock'
  | 'roles.grant'
  | 'keys.read'
  | 'keys.create'
  | 'keys.revoke'
  | 'models.read'
  | 'models.write'
  | 'endpoints.read'
  | 'endpoints.test'
  | 'logins.read'
  | 'usage.read'
  | 'prices.write'
  | 'limits.read'
  | 'limits.write'
  | 'policy.write'
  | 'guard.write'
  | 'safety.read'
  | 'playground.use'
  | 'ledger.verify'
  | 'ledger.read'
  | 'ledger.export';

/**
 * Who may do what. 三员 separation: the sysadmin runs the system (orgs, accounts, keys, models)
 * but grants no roles; the secadmin grants roles and locks accounts but issues nothing; the
 * auditor only reads. Department roles act within their own subtree.
 */
const POLICY: Record<Action, readonly Role[]> = {
  'orgs.read': ROLES,
  'orgs.write': ['sysadmin', 'org_admin'],
  'users.read': ['sysadmin', 'secadmin', 'auditor', 'org_admin'],
  'users.write': ['sysadmin', 'org_admin'],
  'users.lock': ['secadmin'],
  'roles.grant': ['secadmin', 'org_admin'],
  'keys.read': ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer'],
  'keys.create': ['sysadmin', 'org_admin', 'developer'],
  'keys.revoke': ['sysadmin', 'secadmin', 'org_admin', 'developer'],
  'models.read': ROLES,
  // Which deployments serve a public model is running the system.
  'models.write': ['sysadmin'],
  'endpoints.read': ['sysadmin', 'secadmin', 'auditor'],
  // A real (tiny) call with the endpoint's credentials: running the system is the sysadmin's.
  'endpoints.test': ['sysadmin'],
  'logins.read': ['auditor'],
  // Metering: departments see their own usage and bills; the auditor sees everyone's.
  'usage.read': ['sysadmin', 'auditor', 'org_admin', 'developer'],
  'prices.write': ['sysadmin'],
  'limits.read': ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer'],
  'limits.write': ['sysadmin', 'org_admin'],
  // Keeping call content is a security policy.
  'policy.write': ['secadmin'],
  // Clearances and data-level policy (数据不出域) are security policy too.
  'guard.write': ['secadmin'],
  // Who is suspended for prohibited input: the security administrator (who may lift it) and
  // the auditor.
  'safety.read': ['secadmin', 'auditor'],
  // The console's chat playground works with a key of the user's own; the security
  // administrator and the auditor oversee the models rather than use them.
  'playground.use': ['sysadmin', 'org_admin', 'developer', 'member'],
  // The ledger: anyone among the three may check the chain's integrity, only the auditor reads
  // entries and content or exports them; nobody can change or delete entries through any API.
  'ledger.verify': ['sysadmin', 'secadmin', 'auditor'],
  'ledger.read': ['auditor'],
  'ledger.export': ['auditor'],
};

export function can(principal: Principal, action: Action): boolean {
  if (principal.kind === 'operator') return true;
  return POLICY[action].some((role) => principal.roles.has(role));
}

export function assertCan(principal: Principal, action: Action): void {
  if (!can(principal, action)) {
    throw forbidden('forbidden', `Your role does not allow ${action}.`);
  }
}

/** Subtree scoping: a developer sees only their own organisation, everyone else their subtree. */
export function inScope(principal: Principal, orgPath: string): boolean {
  if (principal.kind === 'operator') return true;
  const subtree = [...principal.roles].some((r) => r !== 'developer' && r !== 'member');
  return subtree ? orgPath.startsWith(principal.orgPath) : orgPath === principal.orgPath;
}

export function operatorPrincipal(root: { id: string; path: string }): Principal {
  return {
    kind: 'operator',
    userId: null,
    name: 'operator',
    orgId: root.id,
    orgPath: root.path,
    roles: new Set(ROLES),
  };
}

export function actorLabel(principal: Principal): string {
  return principal.kind === 'operator' ? 'operator:cli' : `user:${principal.name}`;
}
