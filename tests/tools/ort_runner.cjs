#!/usr/bin/env node
// Runs an ONNX model on the official ONNX Runtime (npm onnxruntime-node, installed by
// scripts/setup_ort_ref.sh into $LITEQ_ORT_REF, default <repo>/.cache/ort_ref) for
// liteq's tests and benchmarks.
//
//   node ort_runner.cjs MODEL.onnx --in a.npy [--in b.npy ...] --out-dir DIR [--threads N] [--opt-level all|disabled]
//       runs on .npy inputs (model input order); writes DIR/output_<i>.npy (model output order)
//   node ort_runner.cjs MODEL.onnx --bench --shape NAME=1,3,48,320 [--runs 30] [--warmup 5] [--threads N] [--json]
//       times session.run on seeded random inputs; prints min / median / p90 and median_ms=<x>
'use strict';
const fs = require('fs');
const path = require('path');

const ref = process.env.LITEQ_ORT_REF || path.join(__dirname, '..', '..', '.cache', 'ort_ref');
let ort;
try {
  ort = require(path.join(ref, 'node_modules', 'onnxruntime-node'));
} catch (e) {
  console.error(`ort_runner: onnxruntime-node not found under ${ref} (run scripts/setup_ort_ref.sh): ${e.message}`);
  process.exit(2);
}

const DT = { // npy descr -> [ort type, TypedArray]
  '<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
  '|u1': ['uint8', Uint8Array], '|i1': ['int8', Int8Array], '<u2': ['uint16', Uint16Array], '<i2': ['int16', Int16Array],
  '|b1': ['bool', Uint8Array], '<f8': ['float64', Float64Array],
};
const DESCR = Object.fromEntries(Object.entries(DT).map(([k, v]) => [v[0], k]));

function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const off = major === 1 ? 10 : 12;
  const h = b.toString('latin1', off, off + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(h)[1];
  if (/'fortran_order':\s*True/.test(h)) throw new Error(`${file}: Fortran order is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(h)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const t = DT[descr];
  if (!t) throw new Error(`${file}: dtype ${descr} is not supported`);
  const data = b.subarray(off + hlen);
  const n = shape.reduce((a, x) => a * x, 1);
  const arr = new t[1](n);
  new Uint8Array(arr.buffer).set(data.subarray(0, n * arr.BYTES_PER_ELEMENT));
  return new ort.Tensor(t[0], t[0] === 'bool' ? Uint8Array.from(arr, (x) => x !== 0) : arr, shape);
}

function writeNpy(file, tensor) {
  const descr = DESCR[tensor.type];
  if (!descr) throw new Error(`output dtype ${tensor.type} cannot be written`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  while ((10 + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(h.length, 8);
  const d = tensor.data;
  const bytes = tensor.type === 'bool' ? Buffer.from(Uint8Array.from(d, (x) => (x ? 1 : 0)))
                                       : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(h, 'latin1'), bytes]));
}

function parseArgs(argv) {
  const a = { inputs: [], shapes: {}, threads: 1, opt: 'all', runs: 30, warmup: 5, bench: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`${k} needs a value`); return argv[++i]; };
    if (k === '--in') a.inputs.push(next());
    else if (k === '--out-dir') a.outDir = next();
    else if (k === '--threads') a.threads = Number(next());
    else if (k === '--opt-level') a.opt = next();
    else if (k === '--bench') a.bench = true;
    else if (k === '--json') a.json = true;
    else if (k === '--runs') a.runs = Number(next());
    else if (k === '--warmup') a.warmup = Number(next());
    else if (k === '--shape') { const [n, d] = next().split('='); a.shapes[n] = d.split(',').map(Number); }
    else if (!a.model && !k.startsWith('--')) a.model = k;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.model) throw new Error('usage: ort_runner.cjs MODEL.onnx (--in X.npy ... --out-dir DIR | --bench --shape NAME=dims)');
  return a;
}

function rng(seed) { let s = seed >>> 0; return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; }; }

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const opts = { intraOpNumThreads: a.threads, interOpNumThreads: 1, executionMode: 'sequential',
                 graphOptimizationLevel: a.opt, logSeverityLevel: 3 };
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(a.model, opts);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const feeds = {};
  if (!a.bench) {
    if (a.inputs.length !== session.inputNames.length)
      throw new Error(`the model has ${session.inputNames.length} inputs, ${a.inputs.length} --in given`);
    session.inputNames.forEach((n, i) => { feeds[n] = readNpy(a.inputs[i]); });
    const out = await session.run(feeds);
    fs.mkdirSync(a.outDir, { recursive: true });
    session.outputNames.forEach((n, i) => {
      writeNpy(path.join(a.outDir, `output_${i}.npy`), out[n]);
      console.log(`ort_runner: output ${i}: ${n} ${out[n].type} [${out[n].dims.join(',')}]`);
    });
    return;
  }
  const r = rng(1);
  for (const n of session.inputNames) {
    const dims = a.shapes[n];
    if (!dims) throw new Error(`--shape ${n}=... is needed`);
    const cnt = dims.reduce((x, y) => x * y, 1);
    feeds[n] = new ort.Tensor('float32', Float32Array.from({ length: cnt }, () => r()), dims);
  }
  const times = [];
  for (let i = 0; i < a.warmup + a.runs; i++) {
    const s = process.hrtime.bigint();
    await session.run(feeds);
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    if (i >= a.warmup) times.push(ms);
    if (i % 5 === 4 && global.gc) global.gc();  // outputs are fresh buffers: keep the heap small
  }
  times.sort((x, y) => x - y);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  const res = { model: a.model, threads: a.threads, runs: a.runs, load_ms: loadMs, min_ms: times[0], median_ms: q(0.5), p90_ms: q(0.9) };
  if (a.json) console.log(JSON.stringify(res));
  console.log(`load ${loadMs.toFixed(1)} ms; min ${res.min_ms.toFixed(3)} median ${res.median_ms.toFixed(3)} p90 ${res.p90_ms.toFixed(3)} ms (${a.runs} runs, ${a.threads} threads)`);
  console.log(`median_ms=${res.median_ms.toFixed(4)}`);
}

main().catch((e) => { console.error(`ort_runner: error: ${e.message}`); process.exit(1); });
