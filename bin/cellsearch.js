#!/usr/bin/env node
// The launcher of a clone (`npm run cellsearch`, the tests): runs cli.ts through tsx, so the sources
// run as they are, without a build. The installed package's command is dist/cli.js (package.json
// "bin"), compiled by `npm run build`; this file is not shipped.
import { register } from 'tsx/esm/api';
register();
await import('../cli.ts');
