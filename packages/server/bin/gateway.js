#!/usr/bin/env node
// The `gateway` command. A committed file, so pnpm can link the bin before the package is built.
await import('../dist/cli.js');
