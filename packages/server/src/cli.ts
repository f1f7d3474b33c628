#!/usr/bin/env node
import { processIo } from './cli/io.js';
import { runCli } from './cli/run-cli.js';

const result = await runCli(process.argv.slice(2), processIo());
if ('exitCode' in result) process.exitCode = result.exitCode;
