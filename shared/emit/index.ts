/** LabPlan -> exported files (up.sh, down.sh, plan.json, README.txt), and the one shell quoting function. */
export { emitScripts } from './scripts';
export type { EmitFile, EmitResult } from './scripts';
export type { EmitError, EmitErrorCode } from './check';
export { shellQuote, shellLine, argvWordProblem } from './quote';
export { IN_LAB } from './commands';
