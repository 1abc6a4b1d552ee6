// `metertap run` as a child process with its page on a free port: the URL it prints, and stop().
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../hosts/node/cli.js", import.meta.url));

export interface RunningMetertap {
  url: string;
  err(): string;
  stop(): Promise<number>;
}

/** Starts `metertap run ARGS --http LISTEN --quiet` and resolves once the page is up. */
export function runWithPage(args: string[], listen = "127.0.0.1:0"): Promise<RunningMetertap> {
  const child = spawn(process.execPath, [cli, "run", ...args, "--http", listen, "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  const code = new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no page URL within 20 s:\n${err}`)), 20_000);
    child.stderr.on("data", (b) => {
      err += b;
      const m = /page and HomeWizard API at (http:\/\/\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
        err: () => err,
        stop: () => {
          child.kill("SIGINT");
          return code;
        },
      });
    });
    void code.then((c) => reject(new Error(`metertap run exited ${c}:\n${err}`)));
  });
}
