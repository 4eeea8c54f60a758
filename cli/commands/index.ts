// The `msk-spec` commands, in help order. A new command is one module exporting a CliCommand and
// one line here. Each module is loaded only when its command runs (or for the full help), so
// `validate` never pays for what `upload` or `apply` import.
import type { CliCommand } from '../command.js';

export interface LazyCommand {
  readonly name: string;
  load(): Promise<CliCommand>;
}

export const COMMANDS: readonly LazyCommand[] = [
  { name: 'validate', load: async () => (await import('./validate.js')).validateCommand },
  { name: 'plan', load: async () => (await import('./plan.js')).planCommand },
  { name: 'access', load: async () => (await import('./access.js')).accessCommand },
  { name: 'can', load: async () => (await import('./can.js')).canCommand },
  { name: 'iam-policy', load: async () => (await import('./iam-policy.js')).iamPolicyCommand },
  { name: 'apply', load: async () => (await import('./apply.js')).applyCommand },
  { name: 'upload', load: async () => (await import('./upload.js')).uploadCommand },
  { name: 'remove', load: async () => (await import('./remove.js')).removeCommand },
  { name: 'status', load: async () => (await import('./status.js')).statusCommand },
  { name: 'client-config', load: async () => (await import('./client-config.js')).clientConfigCommand },
];
