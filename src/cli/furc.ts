#!/usr/bin/env node
// Entry point of the furc binary.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), { out: (s) => console.log(s), err: (s) => console.error(s) });
