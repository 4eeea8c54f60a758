// The `msk-spec` commands, in help order. A new command is one module exporting a CliCommand and
// one line here.
import type { CliCommand } from '../command.js';
import { accessCommand } from './access.js';
import { applyCommand } from './apply.js';
import { canCommand } from './can.js';
import { clientConfigCommand } from './client-config.js';
import { planCommand } from './plan.js';
import { statusCommand } from './status.js';
import { uploadCommand } from './upload.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly CliCommand[] = [
  validateCommand,
  planCommand,
  accessCommand,
  canCommand,
  applyCommand,
  uploadCommand,
  statusCommand,
  clientConfigCommand,
];
