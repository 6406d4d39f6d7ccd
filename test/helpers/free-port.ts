/// <reference types="node" />
/**
 * A loopback TCP port for a server a test starts.
 *
 * @example
 * const port = await freePort();
 * const edge = await startWranglerDev({ port });
 */
import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS's pick for port 0). Another process
 * may take it before the caller binds it; good enough on a test machine.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(),
      );
    });
  });
}
