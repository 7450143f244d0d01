export { loadConfig, type Config, type LoadOptions } from './load.js';
export * from './schema.js';
export { configOrgs, type OrgSettings } from './orgs.js';
