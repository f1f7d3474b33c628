/** Raw HTTP over a socket, for what an HTTP client library refuses to send or hides (bad bytes, Connection). */
import { connect } from 'node:net';

export interface RawHttpExchange {
  /** Everything the server sent, as UTF-8. */
  text: string;
  /** Whether the server closed the connection within the wait. */
  closed: boolean;
}

/** Writes `payload` to 127.0.0.1:`port` and reads until the server closes the connection or `waitMs` passes. */
export function rawHttpExchange(
  port: number,
  payload: string | Buffer,
  waitMs = 5000,
): Promise<RawHttpExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
