#!/usr/bin/env node
import cluster from 'node:cluster';
import { processIo } from './cli/io.js';
import { runCli } from './cli/run-cli.js';

const result = await runCli(process.argv.slice(2), processIo());
if ('exitCode' in result) process.exitCode = result.exitCode;
// A worker that failed to start would otherwise wait on its channel to the primary.
if ('exitCode' in result && cluster.isWorker) process.exit();
