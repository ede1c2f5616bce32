import { randomUUID } from "node:crypto";
import type { VigilDatabase } from "../db/create-database.js";
import { MIN_PASSWORD_LENGTH } from "../http/routes/auth-route-deps.js";
import { createApiTokenRepository } from "../store/api-token-repository.js";
import { createAuditEventRepository } from "../store/audit-event-repository.js";
import { hashPassword } from "../store/password-hash.js";
import { createUserRepository, normalizeEmail, type UserRecord } from "../store/user-repository.js";

/** Options of {@link createOwner}. */
export interface CreateOwnerOptions {
  readonly email: string;
  /** Default the email. */
  readonly name?: string;
  readonly password: string;
  /**
   * Create (or restore) the owner even though an enabled owner exists: the way back in for an
   * operator with access to the database when every owner lost their password. An existing
   * user with this email is then made an enabled owner with the new password; nobody else
   * changes.
   */
  readonly force?: boolean;
  /** Also create an API token with this name (printed once: scripts and tests sign in with it). */
  readonly tokenName?: string;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

/** A refusal of {@link createOwner}: what is wrong and what to do. */
export class CreateOwnerError extends Error {
  override readonly name = "CreateOwnerError";
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * `vigil admin create-owner`: the first owner of a fresh install, who then creates the other
 * users through the API. Refuses when an enabled owner exists (one owner must not be able to
 * mint another behind the audit log's back) unless `force`.
 */
export async function createOwner(
  database: VigilDatabase,
  options: CreateOwnerOptions,
): Promise<{ readonly user: UserRecord; readonly created: boolean; readonly token?: string }> {
  const email = normalizeEmail(options.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new CreateOwnerError(
      `${JSON.stringify(options.email)} is not an email address`,
      "Give --email NAME@DOMAIN.",
    );
  }
  if ([...options.password].length < MIN_PASSWORD_LENGTH) {
    throw new CreateOwnerError(
      `the password is shorter than ${MIN_PASSWORD_LENGTH} characters`,
      "Choose a longer one (a passphrase of a few words is easy to type).",
    );
  }
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  const users = createUserRepository(database.db);
  if (!options.force && (await users.countOwners()) > 0) {
    throw new CreateOwnerError(
      "this server has an owner already",
      "Owners create users through the API (POST /api/v1/users). Locked out? Run again with --force.",
    );
  }
  const existing = await users.getByEmail(email);
  if (existing && !options.force) {
    throw new CreateOwnerError(
      `a user with the email ${email} exists`,
      "Run again with --force to make them an owner with this password.",
    );
  }
  const passwordHash = await hashPassword(options.password);
  const user = existing
    ? await users.update(existing.id, {
        role: "owner",
        disabledAt: null,
        passwordHash,
        ...(options.name ? { name: options.name } : {}),
      })
    : await users.create({
        id: newId(),
        email,
        name: options.name?.trim() || email,
        role: "owner",
        passwordHash,
        createdAt: now().toISOString(),
      });
  let token: string | undefined;
  if (options.tokenName !== undefined) {
    ({ token } = await createApiTokenRepository(database.db).create({
      id: newId(),
      userId: user!.id,
      name: options.tokenName,
      createdAt: now().toISOString(),
    }));
  }
  // the audit log has every write, including this one made beside the API
  await createAuditEventRepository(database.db).record({
    at: now().toISOString(),
    actor: { kind: "anonymous" },
    method: "CLI",
    route: "vigil admin create-owner",
    path: "vigil admin create-owner",
    status: existing ? 200 : 201,
    outcome: "allowed",
    details: {
      email,
      userId: user!.id,
      ...(existing ? { restored: true } : {}),
      ...(options.force ? { force: true } : {}),
      ...(token ? { tokenName: options.tokenName } : {}),
    },
  });
  return { user: user!, created: !existing, ...(token ? { token } : {}) };
}
