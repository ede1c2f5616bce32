import type { Context } from "hono";
import { hashPassword } from "../../store/password-hash.js";
import { StoreConflictError } from "../../store/store-errors.js";
import { isRole, LastOwnerError, type UserChanges } from "../../store/user-repository.js";
import { setAuditDetails } from "../request-context.js";
import { ROLES } from "../role.js";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import { errorResponses, idParameter } from "./api-schemas.js";
import { type AuthRouteDeps, currentUser, MIN_PASSWORD_LENGTH, userResponse } from "./auth-route-deps.js";
import { apiTokenSchema, createdApiTokenSchema, roleSchema, userSchema } from "./auth-schemas.js";
import {
  badInput,
  notFound,
  onlyFields,
  optionalString,
  readJsonObject,
  requiredString,
  resourceUrl,
} from "./request-input.js";

/**
 * Users (owner only): list, create, read, change name, role, password or disabled state.
 * There is no delete: a user is disabled, so finding history's `user:<id>` keeps saying who.
 * The last enabled owner can be neither demoted nor disabled (409).
 *
 * And every user's own API tokens: create (the token is shown once), list, revoke.
 */
export function userRoutes(deps: AuthRouteDeps): RouteDefinition[] {
  const requireUser = async (id: string) => {
    const user = await deps.users.get(id);
    if (!user) throw notFound("user", id);
    return user;
  };
  return [
    {
      method: "get",
      path: "/api/v1/users",
      access: "owner",
      summary: "Every user, by email",
      tags: ["users"],
      responses: {
        200: {
          description: "The users",
          schema: { type: "object", properties: { items: { type: "array", items: userSchema } } },
        },
      },
      handler: async (c) => c.json({ items: (await deps.users.list()).map(userResponse) }),
    },
    {
      method: "post",
      path: "/api/v1/users",
      access: "owner",
      summary: "Create a user with a role (and a password, to sign in with)",
      tags: ["users"],
      requestBody: {
        description: "The user",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["email", "role"],
          properties: {
            email: { type: "string" },
            name: { type: "string", description: "Default: the email" },
            role: roleSchema,
            password: { type: "string", minLength: MIN_PASSWORD_LENGTH },
          },
        },
      },
      responses: {
        201: { description: "Created", schema: userSchema },
        ...errorResponses({ 400: "A field is missing or wrong", 409: "A user has this email" }),
      },
      handler: async (c) => {
        const body = await readJsonObject(c);
        onlyFields(body, ["email", "name", "role", "password"]);
        const email = requiredString(body, "email").trim();
        if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw badInput("email", "expected an email address");
        const role = readRole(body.role);
        const password = readPassword(body.password);
        setAuditDetails(c, { email: email.toLowerCase(), role });
        try {
          const user = await deps.users.create({
            id: deps.newId(),
            email,
            name: optionalString(body, "name")?.trim() || email,
            role,
            ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}),
            createdAt: deps.now().toISOString(),
          });
          c.header("Location", resourceUrl(c, `/api/v1/users/${encodeURIComponent(user.id)}`));
          return c.json(userResponse(user), 201);
        } catch (error) {
          if (error instanceof StoreConflictError) throw new ApiError(409, error.message);
          throw error;
        }
      },
    },
    {
      method: "get",
      path: "/api/v1/users/:id",
      access: "owner",
      summary: "One user",
      tags: ["users"],
      parameters: [idParameter("The user id")],
      responses: {
        200: { description: "The user", schema: userSchema },
        ...errorResponses({ 404: "No such user" }),
      },
      handler: async (c) => c.json(userResponse(await requireUser(c.req.param("id")!))),
    },
    {
      method: "patch",
      path: "/api/v1/users/:id",
      access: "owner",
      summary: "Change a user's name, role, password, or disable (and enable) them",
      tags: ["users"],
      parameters: [idParameter("The user id")],
      requestBody: {
        description:
          "The fields to change; disabling ends the user's sessions, and their tokens stop working",
        contentType: "application/json",
        schema: {
          type: "object",
          properties: {
            name: { type: "string" },
            role: roleSchema,
            disabled: { type: "boolean" },
            password: { type: "string", minLength: MIN_PASSWORD_LENGTH },
          },
        },
      },
      responses: {
        200: { description: "Changed", schema: userSchema },
        ...errorResponses({
          400: "A field is wrong",
          404: "No such user",
          409: "It would leave no enabled owner",
        }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        await requireUser(id);
        const changes = await readUserChanges(c, deps.now());
        setAuditDetails(c, {
          userId: id,
          ...(changes.role ? { role: changes.role } : {}),
          ...(changes.disabledAt !== undefined ? { disabled: changes.disabledAt !== null } : {}),
          ...(changes.passwordHash ? { passwordChanged: true } : {}),
        });
        try {
          const user = await deps.users.update(id, changes);
          if (!user) throw notFound("user", id);
          if (user.disabledAt) await deps.sessionStore.deleteForUser(id);
          return c.json(userResponse(user));
        } catch (error) {
          if (error instanceof LastOwnerError) throw new ApiError(409, error.message);
          throw error;
        }
      },
    },
    {
      method: "get",
      path: "/api/v1/users/me/tokens",
      access: "guest",
      summary: "The caller's API tokens, newest first (never the tokens themselves)",
      tags: ["users"],
      responses: {
        200: {
          description: "The tokens",
          schema: { type: "object", properties: { items: { type: "array", items: apiTokenSchema } } },
        },
      },
      handler: async (c) => {
        const tokens = await deps.tokens.list(currentUser(c).userId);
        return c.json({ items: tokens.map(({ userId: _userId, ...token }) => token) });
      },
    },
    {
      method: "post",
      path: "/api/v1/users/me/tokens",
      access: "guest",
      summary: "Create an API token for the caller: it acts with the caller's role, and is shown this once",
      tags: ["users"],
      requestBody: {
        description: "What the token is for",
        contentType: "application/json",
        schema: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
      },
      responses: {
        201: { description: "Created", schema: createdApiTokenSchema },
        ...errorResponses({ 400: "No name" }),
      },
      handler: async (c) => {
        const body = await readJsonObject(c);
        onlyFields(body, ["name"]);
        const name = requiredString(body, "name").trim();
        const { token, record } = await deps.tokens.create({
          id: deps.newId(),
          userId: currentUser(c).userId,
          name,
          createdAt: deps.now().toISOString(),
        });
        setAuditDetails(c, { tokenId: record.id, name });
        const { userId: _userId, ...shown } = record;
        return c.json({ ...shown, token }, 201);
      },
    },
    {
      method: "delete",
      path: "/api/v1/users/me/tokens/:id",
      access: "guest",
      summary: "Revoke one of the caller's API tokens",
      tags: ["users"],
      parameters: [idParameter("The token id")],
      responses: {
        204: { description: "Revoked" },
        ...errorResponses({ 404: "No such live token of yours" }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        setAuditDetails(c, { tokenId: id });
        if (!(await deps.tokens.revoke(currentUser(c).userId, id, deps.now().toISOString()))) {
          throw notFound("API token", id);
        }
        return c.body(null, 204);
      },
    },
  ];
}

function readRole(value: unknown, field = "role") {
  if (!isRole(value))
    throw badInput(field, `expected one of ${ROLES.join(", ")}, not ${JSON.stringify(value)}`);
  return value;
}

function readPassword(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badInput("password", "expected a string");
  if ([...value].length < MIN_PASSWORD_LENGTH) {
    throw badInput("password", `at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return value;
}

async function readUserChanges(c: Context, now: Date): Promise<UserChanges> {
  const body = await readJsonObject(c);
  onlyFields(body, ["name", "role", "disabled", "password"]);
  if (body.disabled !== undefined && typeof body.disabled !== "boolean") {
    throw badInput("disabled", "expected true or false");
  }
  const name = optionalString(body, "name")?.trim();
  if (name === "") throw badInput("name", "expected a non-empty string");
  const password = readPassword(body.password);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(body.role !== undefined ? { role: readRole(body.role) } : {}),
    ...(body.disabled !== undefined ? { disabledAt: body.disabled ? now.toISOString() : null } : {}),
    ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}),
  };
}
