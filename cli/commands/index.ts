// The `msk-spec` commands, in help order. A new command is one module exporting a CliCommand and
// one line here (apply, upload, status and client-config are to come).
import type { CliCommand } from '../command.js';
import { accessCommand } from './access.js';
import { canCommand } from './can.js';
import { planCommand } from './plan.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly CliCommand[] = [validateCommand, planCommand, accessCommand, canCommand];
