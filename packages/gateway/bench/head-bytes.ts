// Response head size of the bench route, bare and through the gateway: one raw HTTP/1.1 request each
// (the same POST as the benches), printing the bytes before the body and the head itself.
//   tsx --conditions=@cellular/source bench/head-bytes.ts
import { connect } from 'node:net';
import * as gw from '../src/index.js';
import type { Server } from './servers.js';
import { body, startBare, startGateway } from './servers.js';

async function head(server: Server): Promise<string> {
  const { hostname, port, pathname } = new URL(server.url);
  const extra = Object.entries(server.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const request = `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      const end = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/iu.exec(text);
      if (end >= 0 && len && text.length >= end + 4 + Number(len[1])) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
  return raw.slice(0, raw.indexOf('\r\n\r\n') + 4);
}

for (const [name, start] of [['bare', startBare], ['gateway', () => startGateway(gw)]] as const) {
  const server = await start();
  const h = await head(server);
  await server.close();
  process.stdout.write(`${name}: ${Buffer.byteLength(h, 'latin1')} bytes of response head\n${h.trimEnd()}\n\n`);
}
