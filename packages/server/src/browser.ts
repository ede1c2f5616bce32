/**
 * The part of the server a browser may load: the roles, from a module that imports nothing at
 * run time, so the web UI hides what a role cannot do by the same order the server enforces.
 */
export { ROLES, type Role, roleAtLeast } from "./http/role.js";
