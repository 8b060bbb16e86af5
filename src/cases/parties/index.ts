// Enforcement targets (执法对象): the registry, bulk import and the party of each case.
export * from './types.ts';
export { PartyRegistry, PartyNotFoundError, PartyConflictError, type PartySearch } from './registry.ts';
export { importParties, readSheet, ImportFileError, IMPORT_COLUMNS, type ImportResult, type RowError } from './import.ts';
export { linkCaseParty, setCaseParty, caseParty, plateOfHit, permitStatus, repeatWindowDaysFromEnv, PartyLinkError } from './link.ts';
