// host:port parsing and a TCP listener for the live feeds (BMP station, BGP collector).
import { createServer, type Server, type Socket } from 'node:net';
import { FailsmallError } from '../../lib/errors.js';

export function parseListen(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) {
    throw new FailsmallError('E_MONITOR_LISTEN', `"${text}" is not host:port`, { listen: text });
  }
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/** Listens on host:port; resolves with the server once bound (port 0: the kernel picks; see address()). */
export function listen(text: string, onSocket: (s: Socket) => void): Promise<Server> {
  const { host, port } = parseListen(text);
  const server = createServer({ noDelay: true }, onSocket);
  return new Promise((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new FailsmallError('E_MONITOR_LISTEN', `cannot listen on ${text}: ${(e as Error).message}`, { listen: text }),
      ),
    );
    server.listen(port, host, () => resolve(server));
  });
}

export function boundPort(s: Server): number {
  const a = s.address();
  return typeof a === 'object' && a ? a.port : 0;
}
