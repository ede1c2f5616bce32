import { ROLES } from "../role.js";
import type { JsonSchema } from "../route-definition.js";

const string: JsonSchema = { type: "string" };

/** A role. */
export const roleSchema: JsonSchema = { type: "string", enum: [...ROLES] };

/** A user (never the password hash). */
export const userSchema: JsonSchema = {
  type: "object",
  required: ["id", "email", "name", "role", "createdAt", "hasPassword"],
  properties: {
    id: string,
    email: { type: "string", description: "Lower-cased" },
    name: string,
    role: roleSchema,
    createdAt: { type: "string", format: "date-time" },
    disabledAt: { type: "string", format: "date-time", description: "Present while disabled" },
    hasPassword: { type: "boolean" },
  },
};

/** Who is calling, and the CSRF token a session's writes send back. */
export const sessionSchema: JsonSchema = {
  type: "object",
  required: ["user", "via"],
  properties: {
    user: userSchema,
    via: { type: "string", enum: ["session", "token"] },
    csrfToken: {
      type: "string",
      description: "Send as the X-CSRF-Token header with every POST, PUT, PATCH and DELETE of this session",
    },
  },
};

/** An API token as listed (never the token itself). */
export const apiTokenSchema: JsonSchema = {
  type: "object",
  required: ["id", "name", "createdAt"],
  properties: {
    id: string,
    name: string,
    createdAt: { type: "string", format: "date-time" },
    lastUsedAt: { type: "string", format: "date-time" },
    revokedAt: { type: "string", format: "date-time" },
  },
};

/** A new API token, the only time it is shown. */
export const createdApiTokenSchema: JsonSchema = {
  ...apiTokenSchema,
  required: ["id", "name", "createdAt", "token"],
  properties: {
    ...(apiTokenSchema.properties as Record<string, JsonSchema>),
    token: { type: "string", description: "`vigil_pat_…`: shown this once, store it now" },
  },
};

/** One audited write. */
export const auditEventSchema: JsonSchema = {
  type: "object",
  required: ["id", "at", "actor", "method", "route", "path", "status", "outcome"],
  properties: {
    id: { type: "integer" },
    at: { type: "string", format: "date-time" },
    actor: {
      type: "object",
      required: ["kind"],
      properties: {
        kind: { type: "string", enum: ["user", "agent", "anonymous"] },
        id: string,
        name: string,
      },
    },
    method: string,
    route: { type: "string", description: "The route pattern, or `unmatched`" },
    path: string,
    status: { type: "integer" },
    outcome: { type: "string", enum: ["allowed", "denied", "failed"] },
    details: { type: "object" },
  },
};
