// A private PostgreSQL cluster for the database tests: Debian's server binaries, initdb into a
// temporary directory, a free loopback port and a socket directory of its own. As root the server
// runs as the `postgres` user (it refuses root). Stoppable and restartable (outage tests).
import { spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "../mqtt/mosquitto.js";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export class PrivatePostgres {
  private constructor(readonly dir: string, readonly port: number) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), "metertap-pg-"));
    const pg = new PrivatePostgres(dir, await freePort());
    if (userInfo().uid === 0) {
      const id = spawnSync("id", ["-u", "postgres"]).stdout.toString().trim();
      const gid = spawnSync("id", ["-g", "postgres"]).stdout.toString().trim();
      chownSync(dir, Number(id), Number(gid));
    }
    pg.run("initdb", ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
    pg.start();
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  start(): void {
    this.run("pg_ctl", ["-D", join(this.dir, "data"), "-l", join(this.dir, "log"), "-w", "-o", `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  }

  /** Stops as a crash would (immediate: no checkpoint, connections cut). */
  stop(): void {
    this.run("pg_ctl", ["-D", join(this.dir, "data"), "-m", "immediate", "-w", "stop"]);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const cmd = join(BIN, tool);
    const r = userInfo().uid === 0 ? spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8" }) : spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}${r.stdout}`);
  }
}
