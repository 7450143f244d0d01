import { useI18n } from '../i18n.js';

/** The words of the 组织与用户 page (zh-CN default; en has the same keys). */
export const zh = {
  title: '组织与用户',
  tree: '组织机构',
  allOrgs: '全部单位',
  kinds: {
    root: '平台',
    province: '省',
    city: '市',
    county: '县',
    department: '部门',
  } as Record<string, string>,
  users: '用户',
  usersOf: '{org}（含下级单位）的用户',
  username: '用户名',
  org: '所属单位',
  roles: '角色',
  noRole: '无角色',
  status: '状态',
  locked: '已锁定',
  active: '正常',
  mustChange: '待改初始密码',
  actions: '操作',
  create: '新建用户',
  password: '初始密码',
  passwordHint: '至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类；用户首次登录时须修改。',
  usernameRule: '3–64 位字母、数字、“.”、“_” 或 “-”',
  created: '已创建用户 {name}',
  manageRoles: '角色',
  rolesTitle: '{name} 的角色',
  grant: '授予',
  revoke: '撤销',
  granted: '已授予 {role}',
  revoked: '已撤销 {role}',
  separation:
    '三员分立：系统管理员、安全管理员、审计管理员互斥，且持有其一的账号不能再持有其他角色。',
  adminHolds: '三员分立：该账号持有“{role}”，不能再授予其他角色。',
  hasOtherRole: '三员分立：该账号已持有其他角色，不能再授予“{role}”。',
  onlySecadmin: '只有安全管理员可以管理管理类角色。',
  lock: '锁定',
  unlock: '解锁',
  lockConfirm: '锁定 {name}？该账号的所有会话将立即结束，直到解锁前无法登录。',
  unlockConfirm: '解锁 {name}？',
  lockedDone: '已锁定 {name}',
  unlockedDone: '已解锁 {name}',
  roleDesc: {
    sysadmin: '运行系统：组织、账号、密钥、模型',
    secadmin: '授予与撤销角色、锁定账号、吊销密钥',
    auditor: '只读：账号、密钥、端点、登录记录、用量与审计日志',
    org_admin: '管理本单位及下级：下级单位、用户、密钥',
    developer: '使用并管理本单位的 API 密钥',
    member: '控制台用户：查看本单位与模型',
  },
};

export const en: typeof zh = {
  title: 'Organisations and users',
  tree: 'Organisations',
  allOrgs: 'All organisations',
  kinds: {
    root: 'Platform',
    province: 'Province',
    city: 'City',
    county: 'County',
    department: 'Department',
  },
  users: 'Users',
  usersOf: 'Users of {org} and below',
  username: 'Username',
  org: 'Organisation',
  roles: 'Roles',
  noRole: 'No role',
  status: 'Status',
  locked: 'Locked',
  active: 'Active',
  mustChange: 'Must change initial password',
  actions: 'Actions',
  create: 'New user',
  password: 'Initial password',
  passwordHint:
    'At least 8 characters from three of: upper case, lower case, digits, symbols; the user changes it at first login.',
  usernameRule: '3–64 letters, digits, ".", "_" or "-"',
  created: 'User {name} created',
  manageRoles: 'Roles',
  rolesTitle: 'Roles of {name}',
  grant: 'Grant',
  revoke: 'Revoke',
  granted: 'Granted {role}',
  revoked: 'Revoked {role}',
  separation:
    'Separation of the three administrators: system, security and audit administrator exclude each other, and an account holding one of them holds no other role.',
  adminHolds:
    'Separation of the three administrators: this account holds "{role}" and can be given no other role.',
  hasOtherRole:
    'Separation of the three administrators: this account already holds a role, so it cannot be given "{role}".',
  onlySecadmin: 'Only the security administrator manages administrative roles.',
  lock: 'Lock',
  unlock: 'Unlock',
  lockConfirm:
    'Lock {name}? All its sessions end at once and it cannot log in until it is unlocked.',
  unlockConfirm: 'Unlock {name}?',
  lockedDone: '{name} locked',
  unlockedDone: '{name} unlocked',
  roleDesc: {
    sysadmin: 'Runs the system: organisations, accounts, keys, models',
    secadmin: 'Grants and revokes roles, locks accounts, revokes keys',
    auditor: 'Reads accounts, keys, endpoints, login records, usage and the audit ledger',
    org_admin: 'Administers its subtree: sub-organisations, users, keys',
    developer: "Uses and manages its organisation's API keys",
    member: 'Console user: sees its organisation and the models',
  },
};

/** This page's words in the console's current language. */
export function useText(): typeof zh {
  return useI18n().locale === 'en-US' ? en : zh;
}
