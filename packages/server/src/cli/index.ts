export { checkCommand, summarize } from './check-command.js';
export { type CliIo, processIo } from './io.js';
export { type CliResult, commands, runCli } from './run-cli.js';
export { startCommand } from './start-command.js';
