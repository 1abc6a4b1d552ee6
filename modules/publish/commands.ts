// Commands arrive on `<base>/cmd/<name>` with a JSON object payload and are answered on
// `<base>/response` with `{id, cmd, ok, result | error}`. The table is open: other areas add
// commands with `register` (the device engineer's `ota`). Who may send them is the broker's ACL;
// an optional shared secret in the payload (`"secret"`) is a second lock. Errors never echo it.

export type CommandArgs = Record<string, unknown>;

/** A handler returns the reply's `result`; throwing a CommandError (or anything) makes an error reply. */
export type CommandHandler = (args: CommandArgs) => unknown;

export class CommandError extends Error {}

export interface CommandReply {
  id: string | null;
  cmd: string;
  ok: boolean;
  result?: unknown;
  error?: string;
}

const MAX_PAYLOAD = 2048;

/** Compares without an early exit, so the reply time does not reveal how much of a guess was right. */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class CommandTable {
  private readonly handlers = new Map<string, CommandHandler>();
  /** Counted for diagnostics. */
  readonly counts = { ok: 0, rejected: 0 };

  constructor(private readonly secret?: string) {}

  register(name: string, handler: CommandHandler): void {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new Error(`bad command name '${name}'`);
    this.handlers.set(name, handler);
  }

  get names(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Runs the command `name` with the raw `payload`; always returns a reply, never throws. */
  handle(name: string, payload: string): CommandReply {
    let args: CommandArgs = {};
    let id: string | null = null;
    const reply = (ok: boolean, value: unknown): CommandReply => {
      if (ok) this.counts.ok++;
      else this.counts.rejected++;
      return ok ? { id, cmd: name, ok, result: value } : { id, cmd: name, ok, error: String(value) };
    };
    if (payload.length > MAX_PAYLOAD) return reply(false, "payload too long");
    if (payload.trim() !== "") {
      try {
        const parsed: unknown = JSON.parse(payload);
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return reply(false, "payload must be a JSON object");
        args = parsed as CommandArgs;
      } catch {
        return reply(false, "payload is not JSON");
      }
    }
    if (typeof args.id === "string" || typeof args.id === "number") id = String(args.id).slice(0, 64);
    if (this.secret !== undefined && (typeof args.secret !== "string" || !sameSecret(args.secret, this.secret))) {
      return reply(false, "not authorised");
    }
    const handler = this.handlers.get(name);
    if (!handler) return reply(false, `unknown command '${name.slice(0, 32)}'; known: ${this.names.join(", ")}`);
    const { secret: _ignored, id: _id, ...rest } = args;
    try {
      return reply(true, handler(rest) ?? null);
    } catch (e) {
      return reply(false, e instanceof CommandError ? e.message : "command failed");
    }
  }
}

/** Reads an optional ISO time or epoch-ms argument. */
export function timeArg(args: CommandArgs, name: string): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  const ms = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
  if (!isFinite(ms)) throw new CommandError(`'${name}' must be an ISO time or epoch milliseconds`);
  return ms;
}
