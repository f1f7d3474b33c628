import type { Readable } from 'node:stream';
import { hashSecret, rewriteClientFiles } from '@llm-gateway/auth-client-secret';
import type { CliIo } from './io.js';

/** Input that may be a terminal, whose echo is turned off while the secret is typed. */
type SecretInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** Reads a secret typed at a terminal, without echoing it; Enter ends it. */
function readFromTerminal(input: SecretInput, io: CliIo): Promise<string> {
  io.stderr('secret (not echoed), then Enter:');
  return new Promise((resolve, reject) => {
    let secret = '';
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.setRawMode?.(false);
      input.off('data', onData);
      input.pause();
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') secret = secret.slice(0, -1);
        else secret += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

/** Reads everything piped in; one trailing newline (from `echo` or a file) is not part of the secret. */
async function readPiped(input: Readable): Promise<string> {
  let text = '';
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text.replace(/\r?\n$/, '');
}

/**
 * `gateway hash-secret [secret]`: prints the scrypt hash for a client file's `client_secret_hash`.
 * Without the argument the secret comes from stdin, so it stays out of shell history.
 */
export async function hashSecretCommand(
  secretArg: string | undefined,
  io: CliIo,
  input: SecretInput = process.stdin,
): Promise<number> {
  let secret = secretArg;
  if (secret === undefined) {
    secret = input.isTTY ? await readFromTerminal(input, io) : await readPiped(input);
  } else {
    io.stderr('note: a secret given as an argument is kept in shell history; pipe it in instead');
  }
  if (secret === '') throw new Error('the secret is empty');
  io.stdout(await hashSecret(secret));
  return 0;
}

/**
 * `gateway hash-secret --rewrite <dir>`: converts every client file's plaintext `client_secret` to a
 * `client_secret_hash` in place; one line per file, exit 1 when a file could not be converted.
 */
export async function rewriteSecretsCommand(dir: string, io: CliIo): Promise<number> {
  const outcomes = await rewriteClientFiles(dir);
  for (const { file, result, reason } of outcomes) io.stdout(`${file}: ${result} (${reason})`);
  const converted = outcomes.filter((outcome) => outcome.result === 'converted').length;
  const failed = outcomes.filter((outcome) => outcome.result === 'failed').length;
  io.stderr(`${converted} converted, ${failed} failed, ${outcomes.length - converted - failed} unchanged`);
  if (converted > 0) io.stderr('reload the clients (GET /api/v1/clients/reload) or restart to apply');
  return failed > 0 ? 1 : 0;
}
