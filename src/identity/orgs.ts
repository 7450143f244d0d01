import { randomUUID } from 'node:crypto';
import { asc, eq, like } from 'drizzle-orm';
import type { OrgInput } from '../config/index.js';
import { conflict, notFound } from '../errors.js';
import { schema, type Db } from '../store/index.js';
import { assertCan, inScope, type Principal } from './principal.js';

export interface Org {
  id: string;
  code: string;
  name: string;
  kind: string | null;
  parentId: string | null;
  path: string;
}

/** An organisation as the API and the CLI show it. */
export interface OrgView {
  id: string;
  code: string;
  name: string;
  kind: string | null;
  parent_id: string | null;
  path: string;
}

export const orgView = ({ parentId, ...rest }: Org): OrgView => ({ ...rest, parent_id: parentId });

/** The columns of an `Org`, for queries that select organisations. */
export const orgColumns = {
  id: schema.orgs.id,
  code: schema.orgs.code,
  name: schema.orgs.name,
  kind: schema.orgs.kind,
  parentId: schema.orgs.parentId,
  path: schema.orgs.path,
};

export async function findOrgByCode(db: Db, code: string): Promise<Org | null> {
  const [row] = await db.select(orgColumns).from(schema.orgs).where(eq(schema.orgs.code, code));
  return row ?? null;
}

export async function findOrgById(db: Db, id: string): Promise<Org | null> {
  const [row] = await db.select(orgColumns).from(schema.orgs).where(eq(schema.orgs.id, id));
  return row ?? null;
}

/** The organisation a principal may act on, or not_found (never reveal what is out of scope). */
export async function orgInScope(db: Db, principal: Principal, code: string): Promise<Org> {
  const org = await findOrgByCode(db, code);
  if (!org || !inScope(principal, org.path)) {
    throw notFound('org_not_found', `No organisation with code ${code}.`, { param: 'org' });
  }
  return org;
}

export async function listOrgs(db: Db, principal: Principal): Promise<OrgView[]> {
  assertCan(principal, 'orgs.read');
  const rows = await db
    .select(orgColumns)
    .from(schema.orgs)
    .where(like(schema.orgs.path, `${principal.orgPath}%`))
    .orderBy(asc(schema.orgs.path));
  return rows.filter((org) => inScope(principal, org.path)).map(orgView);
}

interface NewOrg {
  code: string;
  name: string;
  kind?: string | null | undefined;
  source?: 'config' | 'api';
}

async function insertOrg(db: Db, parent: Org | null, input: NewOrg): Promise<Org> {
  const id = randomUUID();
  const path = `${parent?.path ?? '/'}${id}/`;
  const [row] = await db
    .insert(schema.orgs)
    .values({
      id,
      code: input.code,
      name: input.name,
      kind: input.kind ?? null,
      parentId: parent?.id ?? null,
      path,
      source: input.source ?? 'api',
    })
    .returning(orgColumns);
  return row!;
}

export async function createOrg(
  db: Db,
  principal: Principal,
  input: NewOrg & { parent: string },
): Promise<Org> {
  assertCan(principal, 'orgs.write');
  const parent = await orgInScope(db, principal, input.parent);
  if (await findOrgByCode(db, input.code)) {
    throw conflict('org_exists', `An organisation with code ${input.code} already exists.`, {
      param: 'code',
    });
  }
  return insertOrg(db, parent, input);
}

/** The platform's own organisation: the root of the tree, home of the three administrators. */
export async function ensureRootOrg(db: Db, root: { code: string; name: string }): Promise<Org> {
  const found = await findOrgByCode(db, root.code);
  if (found) return found;
  return insertOrg(db, null, {
    code: root.code,
    name: root.name,
    kind: 'platform',
    source: 'config',
  });
}

/**
 * Make the tree in the config exist under the root: new codes are created, names and kinds
 * follow the file. Organisations are never deleted by a config change (keys and users refer to
 * them); a code that moved to another parent is an error the operator must resolve.
 */
export async function applyOrgTree(db: Db, root: Org, tree: readonly OrgInput[]): Promise<void> {
  const visit = async (parent: Org, nodes: readonly OrgInput[]): Promise<void> => {
    for (const node of nodes) {
      let org = await findOrgByCode(db, node.code);
      if (!org) {
        org = await insertOrg(db, parent, { ...node, source: 'config' });
      } else {
        if (org.parentId !== parent.id) {
          throw conflict(
            'org_moved',
            `Organisation ${node.code} exists under another parent; moving is not supported.`,
          );
        }
        if (org.name !== node.name || org.kind !== (node.kind ?? null)) {
          await db
            .update(schema.orgs)
            .set({ name: node.name, kind: node.kind ?? null, updatedAt: new Date() })
            .where(eq(schema.orgs.id, org.id));
        }
      }
      await visit(org, node.children ?? []);
    }
  };
  await visit(root, tree);
}
