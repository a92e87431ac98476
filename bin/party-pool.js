#!/usr/bin/env node
// Entry for `npm start` and the `party-pool` bin: runs the compiled TypeScript (built by `npm install`).
import { main } from '../build/src/main.js';

main(process.argv.slice(2));
