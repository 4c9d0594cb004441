// DuckDB (@duckdb/node-api) beside mutuals: the same CSV loaded into a DuckDB file, then the sums a
// design-based share needs for a weights-only design (count, sum of w and of w^2 per cell), timed
// inside the process on one thread and on two. Prints "load_ms t1_ms t2_ms bytes" (medians of 9).
//   node bench/duckdb_xtab.mjs FILE.csv DB.duckdb dept|qxq
import { DuckDBInstance } from '@duckdb/node-api';
import { statSync } from 'node:fs';

const [csv, file, which] = process.argv.slice(2);
const inst = await DuckDBInstance.create(file);
const con = await inst.connect();
const t0 = process.hrtime.bigint();
await con.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('${csv.replace(/'/g, "''")}')`);
await con.run('CHECKPOINT');
const load = Number(process.hrtime.bigint() - t0) / 1e6;
const sql = which === 'dept'
  ? 'SELECT department, option_id, count(*), sum(weight), sum(weight * weight) FROM t WHERE question_id = 1 GROUP BY ALL'
  : 'SELECT q1, q2, count(*), sum(weight), sum(weight * weight) FROM t GROUP BY ALL';
const out = [load.toFixed(1)];
for (const threads of [1, 2]) {
  await con.run(`SET threads = ${threads}`);
  const times = [];
  for (let i = 0; i < 9; i++) {
    const s = process.hrtime.bigint();
    const r = await con.runAndReadAll(sql);
    if (r.getRows().length === 0) throw new Error('no rows');
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  times.sort((a, b) => a - b);
  out.push(times[4].toFixed(2));
}
con.closeSync?.();
out.push(String(statSync(file).size));
console.log(out.join(' '));
