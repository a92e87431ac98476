#!/usr/bin/env node
// Entry for `npm start` and the `party-pool` bin: runs the compiled TypeScript (built by `npm install`)
// on this process's streams, then exits with its status.
import { exitProcess, processIo } from '../build/src/cli/io.js';
import { main } from '../build/src/main.js';

exitProcess(await main(process.argv.slice(2), processIo()));
