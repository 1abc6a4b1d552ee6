#!/usr/bin/env node
// metertap command line: `metertap <command> [args]`. Each command lives in commands/<name>.ts.
const USAGE = `usage: metertap <command> [options]

commands:
  decode [--key HEX32] [--auth-key HEX32] [--aad HEX] FILE...   decode captures, one JSON line per frame
  run --source SPEC [--mqtt URL] [--flash FILE] ...               the firmware pipeline on this computer
  demo                                                            run on a built-in DSMR 5 stream (npm start)
  history --flash FILE --stream NAME [--from ISO] [--to ISO]      print stored profile records
  record --flash FILE [--tz ZONE] CAPTURE...                      record captures into a flash image
  verify --public-key KEY.pem|HEX FILE                            check signed records (history --signed)
  sign-image --key PEM IN OUT                                     sign a firmware image for OTA
`;

const COMMANDS = new Set(["decode", "run", "demo", "history", "record", "sign-image", "verify"]);

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || !COMMANDS.has(name)) {
    process.stderr.write(name && !name.startsWith("-") ? `metertap: unknown command '${name}'\n${USAGE}` : USAGE);
    return name === "--help" || name === "-h" ? 0 : 2;
  }
  const command: { run(args: string[]): Promise<number> } = await import(`./commands/${name}.js`);
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`metertap: ${err.message}\n`);
    process.exitCode = 2;
  },
);
