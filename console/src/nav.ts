import type { Role } from './types.js';

/**
 * The console's pages and who may open each: the same rules the API enforces (docs/identity.md),
 * so nobody is shown a page whose every call would be refused.
 */
export const PAGES = [
  { key: 'dashboard', path: '/', roles: ['sysadmin', 'auditor', 'org_admin', 'developer'] },
  {
    key: 'models',
    path: '/models',
    roles: ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer', 'member'],
  },
  {
    key: 'keys',
    path: '/keys',
    roles: ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer'],
  },
  { key: 'orgs', path: '/orgs', roles: ['sysadmin', 'secadmin', 'auditor', 'org_admin'] },
  { key: 'usage', path: '/usage', roles: ['sysadmin', 'auditor', 'org_admin', 'developer'] },
  {
    key: 'playground',
    path: '/playground',
    roles: ['sysadmin', 'org_admin', 'developer', 'member'],
  },
  { key: 'audit', path: '/audit', roles: ['auditor'] },
] as const satisfies readonly { key: string; path: string; roles: readonly Role[] }[];

export type PageKey = (typeof PAGES)[number]['key'];

export function canOpen(roles: readonly Role[], kind: string, page: PageKey): boolean {
  if (kind === 'operator') return true;
  const allowed: readonly Role[] = PAGES.find((p) => p.key === page)?.roles ?? [];
  return roles.some((r) => allowed.includes(r));
}

/** The pages a caller sees in the menu, in order. */
export const visiblePages = (roles: readonly Role[], kind: string) =>
  PAGES.filter((p) => canOpen(roles, kind, p.key));
