#!/usr/bin/env node
// The daemon binary; the code is in dist/main.js (built from src/main.ts).
import '../dist/main.js';
