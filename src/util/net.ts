// Loopback ports for servers this process starts (the embedded Redis, test servers).
import net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it: listen on port 0, read
 * it back, close). Another process may take it before the caller binds it; callers that start a
 * server on it treat a bind error as "try again".
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
