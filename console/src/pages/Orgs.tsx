import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  ConfigProvider,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Tree,
  Typography,
  type TableColumnsType,
  type TreeDataNode,
} from 'antd';
import { useState } from 'react';
import { api, ApiError } from '../api.js';
import { fill, useI18n } from '../i18n.js';
import { Loading, useErrorText, useLoad } from '../Load.js';
import { useSession } from '../session.js';
import type { Org, Role } from '../types.js';
import { useText } from './orgs.messages.js';

/** A user as GET /api/v1/users lists it (src/identity/users.ts). */
export interface UserInfo {
  id: string;
  username: string;
  display_name: string;
  org: string;
  roles: Role[];
  locked: boolean;
  must_change_password: boolean;
}

const ROLES: Role[] = ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer', 'member'];
const THREE: Role[] = ['sysadmin', 'secadmin', 'auditor'];
/** All an org_admin may grant; every other role is the secadmin's (docs/identity.md). */
const DEPARTMENT_ROLES: Role[] = ['developer', 'member'];

const RoleTag = ({ role, name }: { role: Role; name: string }) => (
  <Tag color={THREE.includes(role) ? 'volcano' : role === 'org_admin' ? 'geekblue' : 'blue'}>
    {name}
  </Tag>
);

const Failure = ({ error }: { error: string | null }) =>
  error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />;

/** An API action: busy while it runs; on failure, the hub's message with its stable code. */
function useAction() {
  const text = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<unknown>, done: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      done();
    } catch (err) {
      setError(`${text(err)}${err instanceof ApiError ? ` (${err.code})` : ''}`);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}

/** The flat, path-ordered list as a tree; an organisation whose parent is out of scope is a root. */
function buildTree(orgs: Org[], kinds: Record<string, string>): TreeDataNode[] {
  const ids = new Set(orgs.map((o) => o.id));
  const children = new Map<string | null, Org[]>();
  for (const o of orgs) {
    const parent = o.parent_id && ids.has(o.parent_id) ? o.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), o]);
  }
  const make = (parent: string | null): TreeDataNode[] =>
    (children.get(parent) ?? []).map((o) => {
      const below = make(o.id);
      const note = [o.code, o.kind && kinds[o.kind]].filter(Boolean).join(' · ');
      const title = (
        <>
          {o.name} <Typography.Text type="secondary">{note}</Typography.Text>
        </>
      );
      return { key: o.code, title, ...(below.length ? { children: below } : {}) };
    });
  return make(null);
}

/** 组织与用户: the organisation tree of the caller's scope, its users, and what the caller may do. */
export function Orgs() {
  const t = useText();
  const { t: common } = useI18n();
  const { me } = useSession();
  const { message } = App.useApp();
  const lock = useAction();
  const create = useAction();
  const [form] = Form.useForm<{ username: string; org: string; password: string }>();
  const orgs = useLoad(() => api<{ data: Org[] }>('GET', '/api/v1/orgs'), []);
  const users = useLoad(() => api<{ data: UserInfo[] }>('GET', '/api/v1/users'), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);

  const has = (roles: Role[]) =>
    me?.kind === 'operator' || roles.some((r) => me?.roles.includes(r));
  const canCreate = has(['sysadmin', 'org_admin']);
  const canGrant = has(['secadmin', 'org_admin']);
  const canLock = has(['secadmin']);

  const byCode = new Map((orgs.data?.data ?? []).map((o) => [o.code, o]));
  const chosen = selected ? byCode.get(selected) : undefined;
  // Users carry only their organisation's code; its path says whether it is below the chosen one.
  const shown = (users.data?.data ?? []).filter(
    (u) => !chosen || !!byCode.get(u.org)?.path.startsWith(chosen.path),
  );
  const editingUser = users.data?.data.find((u) => u.username === editing);

  const setLock = (u: UserInfo, locked: boolean) =>
    lock.run(
      () => api('POST', `/api/v1/users/${encodeURIComponent(u.username)}/lock`, { locked }),
      () => {
        void message.success(fill(locked ? t.lockedDone : t.unlockedDone, { name: u.username }));
        users.reload();
      },
    );

  const submit = (v: { username: string; org: string; password: string }) => {
    const username = v.username.trim();
    return create.run(
      () => api('POST', '/api/v1/users', { ...v, username }),
      () => {
        setCreating(false);
        form.resetFields();
        void message.success(fill(t.created, { name: username }));
        users.reload();
      },
    );
  };

  const actions = (u: UserInfo) =>
    // Nobody changes their own roles, and locking oneself out is never what was meant.
    u.username === me?.name ? null : (
      <Space size={4}>
        {canGrant && (
          <Button size="small" onClick={() => setEditing(u.username)}>
            {t.manageRoles}
          </Button>
        )}
        {canLock && (
          <Popconfirm
            title={fill(u.locked ? t.unlockConfirm : t.lockConfirm, { name: u.username })}
            okText={u.locked ? t.unlock : t.lock}
            cancelText={common.common.cancel}
            onConfirm={() => void setLock(u, !u.locked)}
          >
            <Button
              size="small"
              danger={!u.locked}
              icon={u.locked ? <UnlockOutlined /> : <LockOutlined />}
            >
              {u.locked ? t.unlock : t.lock}
            </Button>
          </Popconfirm>
        )}
      </Space>
    );

  const columns: TableColumnsType<UserInfo> = [
    {
      title: t.username,
      dataIndex: 'username',
      render: (name: string, u) => (u.display_name === name ? name : `${name} · ${u.display_name}`),
    },
    { title: t.org, dataIndex: 'org', render: (code: string) => byCode.get(code)?.name ?? code },
    {
      title: t.roles,
      dataIndex: 'roles',
      render: (roles: Role[]) =>
        roles.length ? (
          roles.map((r) => <RoleTag key={r} role={r} name={common.roles[r]} />)
        ) : (
          <Typography.Text type="secondary">{t.noRole}</Typography.Text>
        ),
    },
    {
      title: t.status,
      key: 'status',
      render: (_v, u) => (
        <Flex wrap gap={4} style={{ maxWidth: 120 }}>
          <Tag color={u.locked ? 'red' : 'green'} icon={u.locked && <LockOutlined />}>
            {u.locked ? t.locked : t.active}
          </Tag>
          {u.must_change_password && <Tag color="orange">{t.mustChange}</Tag>}
        </Flex>
      ),
    },
    {
      title: t.actions,
      key: 'actions',
      hidden: !canGrant && !canLock,
      render: (_v, u) => actions(u),
    },
  ];

  return (
    // Two-character Chinese labels would otherwise be spaced out ("锁 定").
    <ConfigProvider button={{ autoInsertSpace: false }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3}>{t.title}</Typography.Title>
        {canCreate && (
          <Button
            type="primary"
            onClick={() => {
              create.clear();
              form.setFieldsValue({ org: selected ?? undefined });
              setCreating(true);
            }}
          >
            {t.create}
          </Button>
        )}
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={6}>
          <Card
            title={t.tree}
            size="small"
            extra={
              selected && (
                <Button type="link" size="small" onClick={() => setSelected(null)}>
                  {t.allOrgs}
                </Button>
              )
            }
          >
            <Loading state={orgs} empty={(d) => d.data.length === 0}>
              {({ data }) => (
                <Tree
                  aria-label={t.tree}
                  defaultExpandAll
                  blockNode
                  selectedKeys={selected ? [selected] : []}
                  onSelect={(keys) => setSelected(keys[0] === undefined ? null : String(keys[0]))}
                  treeData={buildTree(data, t.kinds)}
                />
              )}
            </Loading>
          </Card>
        </Col>
        <Col xs={24} lg={18}>
          <Card title={chosen ? fill(t.usersOf, { org: chosen.name }) : t.users} size="small">
            <Failure error={lock.error} />
            <Loading state={users} empty={(d) => d.data.length === 0}>
              {() => (
                <Table<UserInfo>
                  rowKey="username"
                  loading={users.loading}
                  dataSource={shown}
                  scroll={{ x: 'max-content' }}
                  pagination={{ pageSize: 20, hideOnSinglePage: true }}
                  columns={columns}
                />
              )}
            </Loading>
          </Card>
        </Col>
      </Row>
      <Modal
        open={creating}
        title={t.create}
        onCancel={() => setCreating(false)}
        okText={t.create}
        cancelText={common.common.cancel}
        confirmLoading={create.busy}
        onOk={() => form.submit()}
        forceRender
      >
        <Failure error={create.error} />
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
          <Form.Item
            label={t.username}
            name="username"
            rules={[{ required: true, pattern: /^[a-zA-Z0-9._-]{3,64}$/, message: t.usernameRule }]}
          >
            <Input autoComplete="off" placeholder={t.usernameRule} />
          </Form.Item>
          <Form.Item label={t.org} name="org" rules={[{ required: true }]}>
            <Select
              showSearch
              optionFilterProp="label"
              options={(orgs.data?.data ?? []).map((o) => ({
                value: o.code,
                label: `${o.name} (${o.code})`,
              }))}
            />
          </Form.Item>
          {/* The hub checks the policy (weak_password); the user must change it at first login. */}
          <Form.Item
            label={t.password}
            name="password"
            extra={t.passwordHint}
            rules={[{ required: true, max: 128 }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
      {editingUser && (
        <RolesDialog user={editingUser} onClose={() => setEditing(null)} onChanged={users.reload} />
      )}
    </ConfigProvider>
  );
}

/** Grant and revoke one role at a time; what 三员分立 or the caller's role forbids is disabled, saying why. */
function RolesDialog(props: { user: UserInfo; onClose: () => void; onChanged: () => void }) {
  const { user, onClose, onChanged } = props;
  const t = useText();
  const { t: common } = useI18n();
  const { me } = useSession();
  const { message } = App.useApp();
  const { busy, error, run } = useAction();
  const names = common.roles;
  const path = `/api/v1/users/${encodeURIComponent(user.username)}/roles`;
  const secadmin = me?.kind === 'operator' || !!me?.roles.includes('secadmin');

  const change = (role: Role, grant: boolean) =>
    run(
      () => (grant ? api('POST', path, { role }) : api('DELETE', `${path}/${role}`)),
      () => {
        void message.success(fill(grant ? t.granted : t.revoked, { role: names[role] }));
        onChanged();
      },
    );

  const action = (role: Role) => {
    const held = user.roles.includes(role);
    const admin = user.roles.find((r) => THREE.includes(r));
    const reason =
      !secadmin && !DEPARTMENT_ROLES.includes(role)
        ? t.onlySecadmin
        : held
          ? null
          : admin
            ? fill(t.adminHolds, { role: names[admin] })
            : THREE.includes(role) && user.roles.length > 0
              ? fill(t.hasOtherRole, { role: names[role] })
              : null;
    return (
      <Tooltip title={reason}>
        <Button
          size="small"
          type={held ? 'default' : 'primary'}
          danger={held}
          disabled={!!reason || busy}
          onClick={() => void change(role, !held)}
        >
          {held ? t.revoke : t.grant}
        </Button>
      </Tooltip>
    );
  };

  return (
    <Modal
      open
      width={680}
      title={fill(t.rolesTitle, { name: user.username })}
      onCancel={onClose}
      footer={null}
    >
      <Alert type="info" showIcon title={t.separation} style={{ marginBottom: 12 }} />
      <Failure error={error} />
      {ROLES.map((role) => (
        <Flex key={role} align="center" gap={12} data-testid={`role-${role}`}>
          <div style={{ width: 96, padding: '6px 0' }}>
            <RoleTag role={role} name={names[role]} />
          </div>
          <Typography.Text type="secondary" style={{ flex: 1 }}>
            {t.roleDesc[role]}
          </Typography.Text>
          {action(role)}
        </Flex>
      ))}
    </Modal>
  );
}
