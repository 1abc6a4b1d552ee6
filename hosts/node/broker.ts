// The embedded broker for `metertap run` without --mqtt: aedes on 127.0.0.1, so a fresh machine
// has somewhere to publish to. Port 1883 when free, else any free port.
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export async function startEmbeddedBroker(preferredPort = 1883): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  let port: number;
  try {
    port = await listen(server, preferredPort);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || preferredPort === 0) throw e;
    port = await listen(server, 0);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        aedes.close(() => server.close(() => resolve()));
      }),
  };
}
