import { createServer } from 'node:net';

/**
 * A TCP port that is free on every address right now (bind 0 on the IPv4 wildcard, read it,
 * close). Another process could take it before it is used; the tests bind it at once.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
