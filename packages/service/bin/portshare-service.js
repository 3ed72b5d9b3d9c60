#!/usr/bin/env -S node --max-semi-space-size=1
// The daemon binary; the code is in dist/main.js (built from src/main.ts). The options on the
// first line are DAEMON_NODE_OPTIONS (src/node-options.ts says why); a test keeps them equal.
import '../dist/main.js';
