#!/usr/bin/env node
// The original StratusLab name: runs the matching `stratus` subcommand (see src/cli/aliases.ts).
require('./stratus.js');
