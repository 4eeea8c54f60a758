// Entry point of the `msk-spec` binary: bin/msk-spec.js imports its build (dist/cli/main.js), or this
// file through tsx when the build is missing or older than the sources.
import { endQuietlyWhenOutputCloses, processIo } from './io.js';
import { run } from './program.js';

endQuietlyWhenOutputCloses(process.stdout);
endQuietlyWhenOutputCloses(process.stderr);
process.exitCode = await run(process.argv.slice(2), processIo);
