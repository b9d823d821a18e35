export * from './schema';
export {
  linkRule,
  portRule,
  kindLabel,
  PORT_RULES,
  HUB_BACKENDS,
  type Realization,
  type LinkRule,
  type PortRule,
} from './links';
export { checkStructure, endpointExists, linkId, resolveEndpoint } from './validate';
export { linkKey, type ResolvedEndpoint } from './endpoint';
export { fnv1a32, hashBase36 } from './hash';
export { migrate, MIGRATIONS, type Migration, type MigrateResult, type DocPath } from './migrations';
export {
  loadTopology,
  loadDocument,
  yamlLocator,
  loadErrorsFromDiagnostics,
  allLoadErrors,
  formatDiagnostic,
  type LoadResult,
  type LocatedDiagnostic,
} from './load';
export { formatModelError, dottedPath, type ModelError } from './errors';
export { saveTopology } from './save';
export { topologyJsonSchema, TOPOLOGY_SCHEMA_ID } from './jsonschema';
export { networkingArg } from './extraArgs';
