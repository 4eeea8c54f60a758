// Entry point of the `msk-spec` binary (bin/msk-spec.js imports this file through tsx).
import { endQuietlyWhenOutputCloses, processIo } from './io.js';
import { run } from './program.js';

endQuietlyWhenOutputCloses(process.stdout);
endQuietlyWhenOutputCloses(process.stderr);
process.exitCode = await run(process.argv.slice(2), processIo);
