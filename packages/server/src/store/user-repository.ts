import type { Kysely, Selectable } from "kysely";
import { dialectOf } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import { ROLES, type Role } from "../http/role.js";
import { orNull, present } from "./column-values.js";
import { conflictAs } from "./store-errors.js";
import { storeDb, type UsersTable } from "./store-schema.js";

/** A person who may sign in, as stored (without the password hash). */
export interface UserRecord {
  readonly id: string;
  /** Lower-cased: `A@Example.org` and `a@example.org` are one user. */
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  /** When the user was disabled: they can no longer sign in, and their sessions and tokens stop at once. */
  readonly disabledAt?: string;
  /** Whether the user has a password (users of an identity provider have none). */
  readonly hasPassword: boolean;
}

/** What may change about a user. */
export interface UserChanges {
  readonly name?: string;
  readonly role?: Role;
  /** A time disables; null enables again. */
  readonly disabledAt?: string | null;
  readonly passwordHash?: string;
}

/** A change would leave no enabled owner: nobody could manage users any more. */
export class LastOwnerError extends Error {
  override readonly name = "LastOwnerError";
}

/** Users. */
export interface UserRepository {
  /** @throws StoreConflictError when the email (in any case) or id is taken. */
  create(user: {
    readonly id: string;
    readonly email: string;
    readonly name: string;
    readonly role: Role;
    readonly passwordHash?: string;
    readonly createdAt: string;
  }): Promise<UserRecord>;
  get(id: string): Promise<UserRecord | undefined>;
  /** In any case. */
  getByEmail(email: string): Promise<UserRecord | undefined>;
  /** The user's password hash, when they have a password. */
  passwordHashOf(id: string): Promise<string | undefined>;
  /** Every user, by email. */
  list(): Promise<UserRecord[]>;
  /**
   * Applies `changes`; undefined when there is no such user.
   * @throws LastOwnerError when it would leave no enabled owner (nothing is changed then).
   */
  update(id: string, changes: UserChanges): Promise<UserRecord | undefined>;
  /** How many users there are (0: a fresh install, which needs `vigil admin create-owner`). */
  count(): Promise<number>;
  /** How many enabled owners there are. */
  countOwners(): Promise<number>;
}

/** The user repository over Vigil's database. */
export function createUserRepository(database: Kysely<VigilSchema>): UserRepository {
  const db = storeDb(database);
  const getBy = async (column: "id" | "email", value: string) => {
    const row = await db.selectFrom("users").selectAll().where(column, "=", value).executeTakeFirst();
    return row ? toUser(row) : undefined;
  };
  return {
    async create(user) {
      const row = {
        id: user.id,
        email: normalizeEmail(user.email),
        name: user.name,
        role: user.role,
        password_hash: orNull(user.passwordHash),
        created_at: user.createdAt,
        disabled_at: null,
      };
      await conflictAs(`a user with the email ${row.email} exists`, () =>
        db.insertInto("users").values(row).execute(),
      );
      return toUser(row);
    },
    get: (id) => getBy("id", id),
    getByEmail: (email) => getBy("email", normalizeEmail(email)),
    async passwordHashOf(id) {
      const row = await db
        .selectFrom("users")
        .select("password_hash")
        .where("id", "=", id)
        .executeTakeFirst();
      return row?.password_hash ?? undefined;
    },
    async list() {
      const rows = await db.selectFrom("users").selectAll().orderBy("email").execute();
      return rows.map(toUser);
    },
    update(id, changes) {
      return db.transaction().execute(async (trx) => {
        // On PostgreSQL, lock the enabled owners first: two owners demoting each other at
        // once would otherwise each see the other still there and both commit.
        if (dialectOf(database) === "postgres") {
          await trx
            .selectFrom("users")
            .select("id")
            .where("role", "=", "owner")
            .where("disabled_at", "is", null)
            .forUpdate()
            .execute();
        }
        const values = {
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.role !== undefined ? { role: changes.role } : {}),
          ...(changes.disabledAt !== undefined ? { disabled_at: changes.disabledAt } : {}),
          ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
        };
        if (Object.keys(values).length > 0) {
          await trx.updateTable("users").set(values).where("id", "=", id).execute();
        }
        const row = await trx.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
        if (!row) return undefined;
        const owners = await trx
          .selectFrom("users")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("role", "=", "owner")
          .where("disabled_at", "is", null)
          .executeTakeFirstOrThrow();
        if (Number(owners.n) === 0) {
          throw new LastOwnerError(
            `${row.email} is the last enabled owner: make another user owner before demoting or disabling them`,
          );
        }
        return toUser(row);
      });
    },
    async count() {
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async countOwners() {
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("role", "=", "owner")
        .where("disabled_at", "is", null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

/** Emails compare case-insensitively (what people expect, though RFC 5321 allows case in the local part). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Whether a string is a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** A stored row as a record. */
export function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    // a role written by a newer version reads as the least one, never as more
    role: isRole(row.role) ? row.role : "guest",
    createdAt: row.created_at,
    ...present("disabledAt", row.disabled_at),
    hasPassword: row.password_hash !== null,
  };
}
