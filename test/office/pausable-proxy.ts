// A TCP proxy on 127.0.0.1 in front of PostgreSQL that can be paused: while paused it stops
// forwarding in both directions and leaves every connection open, like a network cable
// pulled out (nothing answers, nothing says "closed"). resume() lets the bytes flow again.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface PausableProxy {
  port: number;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startPausableProxy(targetPort: number): Promise<PausableProxy> {
  const sockets = new Set<Socket>();
  /** Bytes held while paused, per destination socket, in arrival order. */
  const held = new Map<Socket, Buffer[]>();
  let paused = false;
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (paused) held.set(to, [...(held.get(to) ?? []), chunk]);
      else to.write(chunk);
    });
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => { sockets.delete(s); held.delete(s); });
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    pause() { paused = true; },
    resume() {
      paused = false;
      for (const [to, chunks] of held) for (const c of chunks) if (!to.destroyed) to.write(c);
      held.clear();
    },
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
