import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { CreateOwnerError, createDatabase, createOwner, migrateToLatest } from "@vigil/server";
import { CliError } from "../cli-error.js";
import { promptPassword, readPasswordFromStdin } from "./read-password.js";

export const ADMIN_HELP = `Usage: vigil admin COMMAND [options]

Commands:
  create-owner --email EMAIL [--name NAME] [--password-stdin] [--token NAME] [--force]
      create the first owner of a fresh install; owners then create the other users
      through the API (POST /api/v1/users)

Options of create-owner:
  --email EMAIL           the owner's email (what they sign in with)
  --name NAME             shown in the UI (default: the email)
  --password-stdin        read the password from the first line of stdin (scripts);
                          without it the password is asked for at the terminal, twice
  --token NAME            also create an API token named NAME and print it on stdout, once
  --force                 create the owner even though one exists; an existing user with
                          this email becomes an enabled owner with the new password (the way
                          back in when every owner is locked out)
  --data-dir DIR          the server's data directory (default: $VIGIL_DATA_DIR or ./data)

The database is the server's: PostgreSQL when DATABASE_URL is set, else SQLite under the
data directory. Refuses (exit 2) when an owner exists, unless --force.`;

/** `vigil admin`. */
export async function runAdmin(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "create-owner":
      return createOwnerCommand(rest);
    case undefined:
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(`${ADMIN_HELP}\n`);
      return 0;
    default:
      throw new CliError(
        `unknown admin command ${JSON.stringify(sub)}`,
        "Run `vigil admin --help` for the commands.",
      );
  }
}

async function createOwnerCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      email: { type: "string" },
      name: { type: "string" },
      "password-stdin": { type: "boolean", default: false },
      token: { type: "string" },
      force: { type: "boolean", default: false },
      "data-dir": { type: "string" },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${ADMIN_HELP}\n`);
    return 0;
  }
  if (!values.email)
    throw new CliError("--email is required", "vigil admin create-owner --email YOU@EXAMPLE.ORG");
  const password = await readPassword(values["password-stdin"]);
  const dataDir = resolve(values["data-dir"] ?? process.env.VIGIL_DATA_DIR ?? "data");
  const database = createDatabase({ url: process.env.DATABASE_URL || undefined, dataDir });
  try {
    await migrateToLatest(database.db);
    const result = await createOwner(database, {
      email: values.email,
      password,
      force: values.force,
      ...(values.name ? { name: values.name } : {}),
      ...(values.token !== undefined ? { tokenName: values.token } : {}),
    });
    process.stderr.write(
      `vigil: ${result.user.email} is ${result.created ? "the new" : "again an"} owner (data: ${database.location})\n`,
    );
    if (result.token) {
      process.stderr.write(`vigil: API token ${JSON.stringify(values.token)} (shown once):\n`);
      process.stdout.write(`${result.token}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof CreateOwnerError) throw new CliError(error.message, error.hint, 2, { cause: error });
    throw error;
  } finally {
    await database.close();
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readPasswordFromStdin();
  if (!process.stdin.isTTY) {
    throw new CliError(
      "no password: stdin is not a terminal",
      "Pipe it in with --password-stdin (printf '%s\\n' \"$PASSWORD\" | vigil admin create-owner --email … --password-stdin).",
    );
  }
  const first = await promptPassword("Password for the owner: ");
  const again = await promptPassword("The same password again: ");
  if (first !== again) throw new CliError("the two passwords differ", "Run the command again.");
  return first;
}
