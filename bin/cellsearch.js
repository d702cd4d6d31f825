#!/usr/bin/env node
// Launcher: runs cli.ts through tsx so that the package works from a clone without a build step.
import { register } from 'tsx/esm/api';
register();
await import('../cli.ts');
