// Placeholder for `npm start` until the embedded pipeline exists: shows the plan for the example
// specs against an empty cluster. (The pipeline runner replaces this file.)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processIo } from '../cli/io.js';
import { run } from '../cli/program.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../examples/specs');
const code = await run(['plan', examples], processIo);
// 2 means "changes planned", which is the expected outcome here, not a failure.
process.exitCode = code === 2 ? 0 : code;
