#!/usr/bin/env node
// One launcher for `stratus` and the original names (stratus-run-instance …): the program name picks the subcommand.
require('../dist/cli.js').runProgram(process.argv[1] || 'stratus', process.argv.slice(2));
