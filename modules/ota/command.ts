// The OTA trigger as it arrives over MQTT on <base>/cmd/ota: {"url": "http://host/metertap-1.2.0.bin"}.
// URLs may carry credentials (user:password@host): only the redacted form is ever logged.

export type OtaCommand = { url: string } | { error: string };

/** Reads the `ota` command's arguments (the parsed JSON payload); only http(s) URLs are accepted. */
export function parseOtaCommand(args: unknown): OtaCommand {
  const url = (args as { url?: unknown } | null)?.url;
  if (typeof url !== "string") return { error: "missing url" };
  if (!/^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/.test(url)) return { error: "url must be http:// or https:// without spaces" };
  return { url };
}

/** The URL with any user-info replaced, safe for logs and diagnostics. */
export function redactUrl(url: string): string {
  return url.replace(/^(https?:\/\/)[^/?#@]*@/, "$1***@");
}
