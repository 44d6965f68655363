#!/usr/bin/env -S node --max-semi-space-size=4
// The node flags above are src/cli/node-flags.ts's SERVER_NODE_FLAGS (test/unit/node-flags.test.ts checks).
import '../dist/cli/main.js';
