// peers_duckdb.mjs -- runs peers_duckdb.sql on a CSV file and times it.
//
// Usage: node peers_duckdb.mjs INPUT.csv -o OUTDIR [--threads N] [--modules DIR]
//
// The DuckDB side of `make bench-peers` (tests/bench/peers.py): an
// in-memory DuckDB (@duckdb/node-api, installed by the Makefile into DIR,
// default build/duckdb, with its node_modules/ there rather than in the
// source tree) with N threads (default 2), the variables `input` and
// `outdir` set, then each stage of the SQL file (the text after a
// `-- stage: NAME` line, up to the next) run as one batch and timed with
// the monotonic clock. Writes OUTDIR/channels.csv and OUTDIR/customers.csv
// (the SQL's own COPY statements) and prints on stderr, in the format of
// canaux's own line:
//   peers_duckdb: timings: load 1.23 s, features 0.45 s, economics 0.01 s, write 0.20 s
// Exit status 1 on bad usage, 2 when DuckDB cannot be loaded or a stage fails.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const usage = 'usage: node peers_duckdb.mjs INPUT.csv -o OUTDIR [--threads N] [--modules DIR]';

function parseArgs(argv) {
    const a = { input: null, out: null, threads: 2, modules: resolve(here, '../../build/duckdb') };
    for (let i = 0; i < argv.length; i++) {
        const v = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) fail(1, `${v} needs a value; ${usage}`);
            return argv[++i];
        };
        if (v === '-o') a.out = next();
        else if (v === '--threads') a.threads = Number(next());
        else if (v === '--modules') a.modules = resolve(next());
        else if (a.input === null && !v.startsWith('-')) a.input = v;
        else fail(1, `unexpected argument '${v}'; ${usage}`);
    }
    if (a.input === null || a.out === null || !(a.threads >= 1)) fail(1, usage);
    return a;
}

function fail(code, msg) {
    process.stderr.write(`peers_duckdb: ${msg}\n`);
    process.exit(code);
}

// SQL strings: single quotes doubled.
const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

// [[name, sql], ...] in file order.
function stages(text) {
    const out = [];
    for (const line of text.split('\n')) {
        const m = /^-- stage: (\w+)\s*$/.exec(line);
        if (m) out.push([m[1], '']);
        else if (out.length) out[out.length - 1][1] += line + '\n';
    }
    return out;
}

const a = parseArgs(process.argv.slice(2));
let duckdb;
try {
    duckdb = createRequire(join(a.modules, 'package.json'))('@duckdb/node-api');
} catch (e) {
    fail(2, `cannot load @duckdb/node-api from ${a.modules} (make bench-peers installs it): ${e.message}`);
}
const sql = stages(readFileSync(join(here, 'peers_duckdb.sql'), 'utf8'));
mkdirSync(a.out, { recursive: true });

const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: String(a.threads) });
const con = await instance.connect();
await con.run(`SET VARIABLE input = ${quote(resolve(a.input))}; SET VARIABLE outdir = ${quote(resolve(a.out))}`);
const times = [];
for (const [name, text] of sql) {
    const t0 = process.hrtime.bigint();
    try {
        await con.run(text);
    } catch (e) {
        fail(2, `stage ${name}: ${e.message}`);
    }
    times.push(`${name} ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s`);
}
con.closeSync();
instance.closeSync();
process.stderr.write(`peers_duckdb: timings: ${times.join(', ')}\n`);
