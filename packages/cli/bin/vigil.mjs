#!/usr/bin/env node
// The `vigil` command. A committed shim, so that `npm ci` can link the bin before the
// TypeScript build (run by `prepare`) has written dist/.
import "../dist/main.js";
