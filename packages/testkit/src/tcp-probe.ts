/** Minimal TCP probes: Redis PING and MongoDB `ping` (OP_MSG), without client libraries. */
import { connect } from 'node:net';

/** Sends `request`, collects the answer until `complete` says it is whole, then closes. */
export function exchangeTcp(
  port: number,
  request: Buffer,
  complete: (received: Buffer) => boolean,
  timeoutMs = 1000,
  host = '127.0.0.1',
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    let received = Buffer.alloc(0);
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(received);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error('probe timed out')));
    socket.once('error', finish);
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received)) finish();
    });
    socket.once('end', () => finish(complete(received) ? undefined : new Error('connection closed')));
  });
}

export async function redisPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  const answer = await exchangeTcp(port, Buffer.from('PING\r\n'), (b) => b.includes('\r\n'), 1000, host);
  return answer.toString('utf8').startsWith('+PONG');
}

function cstring(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

/** BSON for `{ ping: 1, $db: 'admin' }`. */
function pingDocument(): Buffer {
  const db = Buffer.from('admin', 'utf8');
  const dbLength = Buffer.alloc(4);
  dbLength.writeInt32LE(db.length + 1);
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  const elements = Buffer.concat([
    Buffer.from([0x10]),
    cstring('ping'),
    one,
    Buffer.from([0x02]),
    cstring('$db'),
    dbLength,
    db,
    Buffer.from([0]),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + elements.length + 1);
  return Buffer.concat([size, elements, Buffer.from([0])]);
}

const opMsg = 2013;

/** Sends a MongoDB `ping` command and checks for `ok: 1` in the reply. */
export async function mongoPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  const document = pingDocument();
  const header = Buffer.alloc(16);
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), document]);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opMsg, 12);
  const answer = await exchangeTcp(
    port,
    Buffer.concat([header, body]),
    (b) => b.length >= 4 && b.length >= b.readInt32LE(0),
    2000,
    host,
  );
  if (answer.length < 21 || answer.readInt32LE(12) !== opMsg) return false;
  // `ok` comes back as a double (0x01) or an int32 (0x10).
  const key = Buffer.concat([Buffer.from('ok', 'utf8'), Buffer.from([0])]);
  const at = answer.indexOf(key, 21);
  if (at < 1) return false;
  const type = answer[at - 1];
  const value = at + key.length;
  if (type === 0x01) return answer.readDoubleLE(value) === 1;
  if (type === 0x10) return answer.readInt32LE(value) === 1;
  return false;
}
