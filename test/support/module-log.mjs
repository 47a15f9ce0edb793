// `NODE_OPTIONS=--import=<this file>` with DN_TEST_MODULE_LOG=<file>: every module the process resolves through the
// ES module loader (every `import`, static or dynamic) is appended to that file, one URL a line.
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);
