// Latency of liteq's interpreter beside the official TFLite runtime (2.9, builtin
// kernels and XNNPACK delegate), on the same .tflite files and inputs, same machine,
// same run. Called by scripts/bench_compare.sh (which builds everything first).
//
//   node scripts/bench_compare.mjs [--models a,b] [--dtypes float32,int8,dynamic,int16x8]
//        [--threads 1,2] [--runs 40] [--rounds 1] [--json FILE]
//
// For each model: the float file; its int8 and dynamic-range versions (and, asked for
// with --dtypes, its int16x8 version with float fallback) made by `liteq quantize`
// (cached in .cache/bench/, made again after liteq is rebuilt). For each file and thread
// count: `liteq bench` (median of --runs invokes after 5 warm-up ones), then
// tflite_c_runner with builtin kernels and with XNNPACK on the inputs liteq used (median
// of --runs + 1 invokes, the first included); with --rounds R, R such turns, the lowest
// median of each. Prints a Markdown table; ratios < 1 mean liteq is faster.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LITEQ = join(ROOT, 'build/bin/liteq');
const RUNNER = join(process.env.LITEQ_TFLITE_REF || join(ROOT, '.cache/tflite_ref'), 'bin/tflite_c_runner');
const MODELS = join(ROOT, '.cache/assets/models');
const CALIB = join(ROOT, '.cache/assets/images/calib');
const WORK = join(ROOT, '.cache/bench');

const ALL_MODELS = [
  'face_detection_short_range', 'face_detection_full_range', 'face_detection_full_range_sparse',
  'hand_landmark_lite', 'hand_landmark_full', 'pose_landmark_lite', 'pose_landmark_full',
  'pose_landmark_heavy', 'selfie_segmentation', 'selfie_segmentation_landscape',
];
// MediaPipe's custom op Convolution2DTransposeBias: stock TFLite cannot run these.
const TFLITE_CANNOT = new Set(['selfie_segmentation', 'selfie_segmentation_landscape']);

function usage(msg) {
  if (msg) console.error(`bench_compare: ${msg}`);
  console.error('usage: node scripts/bench_compare.mjs [--models a,b] [--dtypes float32,int8,dynamic,int16x8] [--threads 1,2] [--runs N] [--rounds R] [--json FILE]');
  process.exit(2);
}
const opt = { models: ALL_MODELS, dtypes: ['float32', 'int8', 'dynamic'], threads: [1, 2], runs: 40, rounds: 1, json: '' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i], v = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
  if (a === '--models') opt.models = v().split(',');
  else if (a === '--dtypes') opt.dtypes = v().split(',');
  else if (a === '--threads') opt.threads = v().split(',').map(Number);
  else if (a === '--runs') opt.runs = Number(v());
  else if (a === '--rounds') opt.rounds = Number(v());
  else if (a === '--json') opt.json = v();
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}
for (const m of opt.models) if (!ALL_MODELS.includes(m)) usage(`unknown model ${m} (known: ${ALL_MODELS.join(', ')})`);
for (const d of opt.dtypes) if (!['float32', 'int8', 'dynamic', 'int16x8'].includes(d)) usage(`unknown dtype ${d}`);
if (!(opt.runs >= 30)) usage('--runs must be at least 30 (medians of at least 30 invokes)');
if (!(Number.isInteger(opt.rounds) && opt.rounds >= 1)) usage('--rounds must be a positive integer');
for (const f of [LITEQ, RUNNER]) if (!existsSync(f)) usage(`${f} is missing: run bash scripts/bench_compare.sh (it builds it)`);
mkdirSync(WORK, { recursive: true });

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });

function modelFile(model, dtype) {
  const src = join(MODELS, `${model}.tflite`);
  if (dtype === 'float32') return src;
  const out = join(WORK, `${model}.${dtype}.tflite`);
  // Made again when the liteq binary is newer: a changed quantizer makes different files.
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(LITEQ).mtimeMs) {
    const args = ['quantize', src, '-o', out, '--mode', dtype];
    if (dtype === 'int8') args.push('--calib', CALIB, '--keep-float', 'Convolution2DTransposeBias');
    if (dtype === 'int16x8') args.push('--calib', CALIB, '--fallback');
    run(LITEQ, args);
  }
  return out;
}

function ours(file, threads, inputsDir) {
  const j = JSON.parse(run(LITEQ, ['bench', file, '--json', '--runs', String(opt.runs), '--warmup', '5',
    '--threads', String(threads), '--save-inputs', inputsDir]));
  return { median: j.latency_ms.median, rss: j.peak_rss_bytes, arena: j.arena_bytes, kernels: j.kernels };
}

function tflite(file, threads, inputsDir, xnnpack) {
  const ins = [];
  for (let i = 0; existsSync(join(inputsDir, `input_${i}.npy`)); i++) ins.push('--in', join(inputsDir, `input_${i}.npy`));
  const args = [file, ...ins, '--out-dir', join(inputsDir, xnnpack ? 'xnn' : 'builtin'), '--threads', String(threads),
    '--repeat', String(opt.runs + 1), '--quiet'];
  if (xnnpack) args.push('--xnnpack');
  try {
    const j = JSON.parse(run(RUNNER, args).trim().split('\n').pop());
    return { median: j.median_invoke_ms, rss: j.peak_rss_bytes };
  } catch (e) {
    return { error: (e.stderr || e.message || '').toString().trim().split('\n').pop() };
  }
}

const rows = [];
const fmt = (x) => (x === undefined ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const ratio = (a, b) => (a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(2));
const mib = (b) => (b === undefined ? 'n/a' : (b / 1048576).toFixed(0));
console.log('| model | dtype | threads | liteq ms | TFLite ms | TFLite+XNNPACK ms | liteq/TFLite | liteq/XNNPACK | RSS MiB liteq / XNNPACK |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const model of opt.models) {
  for (const dtype of opt.dtypes) {
    let file;
    try { file = modelFile(model, dtype); } catch (e) {
      console.log(`| ${model} | ${dtype} | | quantize failed: ${(e.stderr || '').toString().trim().split('\n').pop()} |`);
      continue;
    }
    for (const threads of opt.threads) {
      const dir = join(WORK, 'io', `${model}.${dtype}.${threads}`);
      const r = { model, dtype, threads, file: basename(file) };
      // --rounds R: the runtimes take turns R times; each keeps its lowest median (on a
      // shared machine a neighbour's burst then slows one round, not the comparison).
      const best = (a, b) => (a === undefined ? b : b.error || a.median <= b.median ? a : b);
      for (let round = 0; round < opt.rounds; round++) {
        r.ours = best(r.ours, ours(file, threads, dir));
        if (!TFLITE_CANNOT.has(model)) {
          r.tflite = best(r.tflite, tflite(file, threads, dir, false));
          r.xnnpack = best(r.xnnpack, tflite(file, threads, dir, true));
        }
      }
      rows.push(r);
      const t = r.tflite?.median, x = r.xnnpack?.median;
      console.log(`| ${model} | ${dtype} | ${threads} | ${fmt(r.ours.median)} | ${fmt(t)} | ${fmt(x)} | ${ratio(r.ours.median, t)} | ${ratio(r.ours.median, x)} | ${mib(r.ours.rss)} / ${mib(r.xnnpack?.rss)} |`);
    }
  }
}
if (opt.json) writeFileSync(opt.json, JSON.stringify({ runs: opt.runs, rounds: opt.rounds, rows }, null, 2) + '\n');
