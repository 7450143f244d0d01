import type { OrgInput, RawConfig } from './schema.js';

/** What the config may set on an organisation besides its place in the tree. */
export type OrgSettings = Omit<OrgInput, 'code' | 'name' | 'kind' | 'children'>;

/**
 * Every organisation the config names, the root first, with where it is written (for messages):
 * the settings that apply per organisation (limits, audit and guard policies) all read it.
 */
export function configOrgs(
  config: Pick<RawConfig, 'root_org' | 'orgs'>,
): { code: string; where: string; settings: OrgSettings }[] {
  const out = [{ code: config.root_org.code, where: 'root_org', settings: config.root_org }];
  const walk = (orgs: readonly OrgInput[]): void =>
    orgs.forEach((o) => {
      out.push({ code: o.code, where: `orgs.${o.code}`, settings: o });
      walk(o.children ?? []);
    });
  walk(config.orgs);
  return out;
}
