import { unusablePasswordHash, verifyPassword } from "../../store/password-hash.js";
import { normalizeEmail } from "../../store/user-repository.js";
import { clientAddress, setAuditDetails, tooManyRequests } from "../request-context.js";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import { errorResponses } from "./api-schemas.js";
import { type AuthRouteDeps, currentUser, userResponse } from "./auth-route-deps.js";
import { sessionSchema } from "./auth-schemas.js";
import { badInput, onlyFields, readJsonObject, requiredString } from "./request-input.js";

/** The one answer to every failed sign-in: it never says whether the email exists. */
const WRONG_CREDENTIALS = "the email or password is wrong";

/** Sign in (session cookie and CSRF token), sign out, and who am I. */
export function authRoutes(deps: AuthRouteDeps): RouteDefinition[] {
  return [
    {
      method: "post",
      path: "/api/v1/auth/login",
      access: "public",
      summary: "Sign in with email and password: sets the session cookie and returns the CSRF token",
      tags: ["auth"],
      requestBody: {
        description: "The credentials",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["email", "password"],
          properties: { email: { type: "string" }, password: { type: "string" } },
        },
      },
      responses: {
        200: { description: "Signed in (Set-Cookie: vigil_session)", schema: sessionSchema },
        ...errorResponses({
          400: "No email or password",
          401: "The email or password is wrong (the same answer for an unknown email)",
          429: "Too many failed sign-ins for this email or address: see Retry-After",
        }),
      },
      handler: async (c) => {
        const body = await readJsonObject(c);
        onlyFields(body, ["email", "password"]);
        const email = normalizeEmail(requiredString(body, "email"));
        if (typeof body.password !== "string") throw badInput("password", "expected a string");
        const password = body.password;
        setAuditDetails(c, { email });
        // both limits count in one table: the prefixes keep an email and an address apart
        const emailKey = `email:${email}`;
        const addressKey = `address:${clientAddress(c)}`;
        const wait = Math.max(
          await deps.emailLimit.retryAfter(emailKey),
          await deps.addressLimit.retryAfter(addressKey),
        );
        if (wait > 0) throw tooManyRequests(`too many failed sign-ins: try again in ${wait} s`, wait);

        const user = await deps.users.getByEmail(email);
        const hash = user ? await deps.users.passwordHashOf(user.id) : undefined;
        // An unknown email still costs one scrypt, so timing does not tell it from a wrong password.
        const matches = await verifyPassword(password, hash ?? (await unusablePasswordHash()));
        if (!user || hash === undefined || !matches || user.disabledAt !== undefined) {
          await deps.emailLimit.fail(emailKey);
          await deps.addressLimit.fail(addressKey);
          throw new ApiError(401, WRONG_CREDENTIALS);
        }
        await deps.emailLimit.reset(emailKey);
        const csrfToken = await deps.sessions.start(c, user);
        return c.json({ user: userResponse(user), via: "session", csrfToken });
      },
    },
    {
      method: "post",
      path: "/api/v1/auth/logout",
      access: "guest",
      summary: "Sign out: ends the session and clears its cookie (a token request ends nothing)",
      tags: ["auth"],
      responses: { 204: { description: "Signed out" } },
      handler: async (c) => {
        await deps.sessions.end(c);
        return c.body(null, 204);
      },
    },
    {
      method: "get",
      path: "/api/v1/auth/session",
      access: "guest",
      summary: "Who is calling, with the session's CSRF token",
      tags: ["auth"],
      responses: { 200: { description: "The caller", schema: sessionSchema } },
      handler: async (c) => {
        const principal = currentUser(c);
        const user = await deps.users.get(principal.userId);
        if (!user) throw new ApiError(401, "this user no longer exists");
        const csrfToken = deps.sessions.csrfTokenOf(c);
        return c.json({
          user: userResponse(user),
          via: principal.via,
          ...(csrfToken ? { csrfToken } : {}),
        });
      },
    },
  ];
}
