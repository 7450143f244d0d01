import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { schema, type Db } from '../store/index.js';
import type { Org } from './orgs.js';
import { generatePassword, hashPassword } from './passwords.js';
import type { Role } from './principal.js';

export const CREDENTIALS_FILE = 'initial-admin-credentials.txt';

const ADMINS: { username: string; displayName: string; role: Role }[] = [
  { username: 'sysadmin', displayName: '系统管理员', role: 'sysadmin' },
  { username: 'secadmin', displayName: '安全管理员', role: 'secadmin' },
  { username: 'auditor', displayName: '审计管理员', role: 'auditor' },
];

/**
 * First start: create the three administrators (三员) with generated passwords, written once to a
 * 0600 file in the data directory. Returns the file path when it created them, else null.
 * The passwords must be changed at first login.
 */
export async function bootstrapAdmins(db: Db, root: Org, dataDir: string): Promise<string | null> {
  const [any] = await db
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(eq(schema.users.orgId, root.id))
    .limit(1);
  if (any) return null;
  const lines = [
    '# Zhongshu initial administrator accounts. Change each password at first login, then delete this file.',
  ];
  await db.transaction(async (tx) => {
    for (const admin of ADMINS) {
      const password = generatePassword();
      const [user] = await tx
        .insert(schema.users)
        .values({
          username: admin.username,
          displayName: admin.displayName,
          orgId: root.id,
          passwordHash: await hashPassword(password),
        })
        .returning({ id: schema.users.id });
      await tx
        .insert(schema.userRoles)
        .values({ userId: user!.id, role: admin.role, grantedBy: 'bootstrap' });
      lines.push(`${admin.role}\t${admin.username}\t${password}\t${admin.displayName}`);
    }
  });
  const file = path.join(dataDir, CREDENTIALS_FILE);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}
