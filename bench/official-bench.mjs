// Load driver for Fabric's OFFICIAL Node client (@hyperledger/fabric-gateway), for citydir's
// side-by-side benchmark (python -m bench). Keeps N calls in flight for D seconds against one
// peer, after one untimed warm-up call per worker, and prints one JSON line on stdout:
//   {"client":"official-node","ok","errors","elapsed_s","latencies_ms":[...],"error_samples":[...]}
// Input: one JSON object on stdin:
//   {"address","tlsRootCert","serverName","mspId","cert","key","channel","chaincode",
//    "op":"get"|"create"|"update","concurrency","durationS",
//    "id" (get), "template","idPrefix" (create), "ids":[one per worker] (update)}
// The packages come from tests/interop/node_modules (npm ci --prefix tests/interop).
import { readFileSync } from 'node:fs';
import { connectOfficial } from '../tests/interop/official-gateway.mjs';

const cfg = JSON.parse(readFileSync(0, 'utf8'));
const { client, gateway } = connectOfficial(cfg, {
  evaluate: 30_000, endorse: 60_000, submit: 30_000, commitStatus: 120_000,
});
const contract = gateway.getNetwork(cfg.channel).getContract(cfg.chaincode);

async function call(worker, seq) {
  if (cfg.op === 'get') {
    await contract.evaluateTransaction('GetCatalog', JSON.stringify({ id: cfg.id }));
    return;
  }
  let fn;
  let arg;
  if (cfg.op === 'create') {
    fn = 'CreateCatalog';
    const id = `${cfg.idPrefix}-${worker}-${seq < 0 ? 'w' : seq}`;
    arg = { ...cfg.template, id, endpoint: `https://dataex.city.example/api/v1/bench/${id}` };
  } else if (cfg.op === 'update') {
    fn = 'UpdateCatalog';
    arg = { id: cfg.ids[worker], description: `official node revision ${worker}/${seq}` };
  } else {
    throw new Error(`unknown op ${cfg.op}`);
  }
  // submitTransaction: endorse, submit, wait for commit; throws if it commits invalid.
  await contract.submitTransaction(fn, JSON.stringify(arg));
}

const latencies = [];
const samples = [];
let ok = 0;
let errors = 0;
let start = 0n;
let deadline = 0n;
const ends = [];

async function worker(w) {
  try {
    await call(w, -1);
  } catch (err) {
    if (samples.length < 3) samples.push(`warm-up: ${String(err.message ?? err).slice(0, 300)}`);
  }
}

async function timed(w) {
  let seq = 0;
  for (;;) {
    const t0 = process.hrtime.bigint();
    if (t0 >= deadline) break;
    try {
      await call(w, seq);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      ok += 1;
    } catch (err) {
      errors += 1;
      if (samples.length < 3) samples.push(`${err.name}: ${String(err.message ?? err).slice(0, 300)}`);
    }
    seq += 1;
  }
  ends.push(process.hrtime.bigint());
}

try {
  const workers = [...Array(cfg.concurrency).keys()];
  await Promise.all(workers.map(worker));
  start = process.hrtime.bigint();
  deadline = start + BigInt(Math.round(cfg.durationS * 1e9));
  await Promise.all(workers.map(timed));
  const last = ends.reduce((a, b) => (b > a ? b : a), start);
  console.log(JSON.stringify({
    client: 'official-node',
    ok,
    errors,
    elapsed_s: Number(last - start) / 1e9,
    latencies_ms: latencies,
    error_samples: samples,
  }));
} finally {
  gateway.close();
  client.close();
}
