// Downstream strategy stand-in using the real npm `nats` client: subscribes to the engine's
// public outputs (docs/nats.md), checks every payload's schema, and once the close (minute 240)
// has arrived writes what it received to a JSON file for the C# test to compare with the
// engine's own export.
//
// usage: node subscriber.mjs <nats-url> <out.json> [prefix] [timeout-seconds]
import { connect, StringCodec } from "nats";
import { writeFileSync } from "node:fs";

const [url, outPath, prefix = "sig", timeoutArg = "120"] = process.argv.slice(2);
if (!url || !outPath) {
  console.error("usage: node subscriber.mjs <nats-url> <out.json> [prefix] [timeout-seconds]");
  process.exit(2);
}

const SNAPSHOT_KEYS = ["v", "date", "minute", "seq", "symbols", "factors", "values"];
const INTRADAY_KEYS = ["v", "date", "minute", "seq", "symbol", "values"];
const errors = [];
const sc = StringCodec();
const snapshots = {};
const intraday = {}; // minute -> { symbol: values[] }
let factorNames = null;

function fail(msg) {
  if (errors.length < 50) errors.push(msg);
}

function isNumberOrNull(x) {
  return x === null || (typeof x === "number" && Number.isFinite(x));
}

function checkSnapshot(subject, text) {
  const s = JSON.parse(text);
  if (JSON.stringify(Object.keys(s)) !== JSON.stringify(SNAPSHOT_KEYS)) fail(`${subject}: keys ${Object.keys(s)}`);
  if (s.v !== 1) fail(`${subject}: v=${s.v}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s.date)) fail(`${subject}: date ${s.date}`);
  if (!(s.minute >= 1 && s.minute <= 240)) fail(`${subject}: minute ${s.minute}`);
  if (s.seq !== s.minute) fail(`${subject}: seq ${s.seq} for minute ${s.minute}`);
  if (!Array.isArray(s.factors) || s.factors.length !== 27) fail(`${subject}: ${s.factors?.length} factors`);
  factorNames ??= s.factors;
  for (let i = 1; i < s.symbols.length; i++) if (!(s.symbols[i - 1] < s.symbols[i])) fail(`${subject}: symbols not ascending at ${i}`);
  if (s.values.length !== s.symbols.length) fail(`${subject}: ${s.values.length} rows for ${s.symbols.length} symbols`);
  for (const row of s.values) {
    if (row.length !== 27 || !row.every(isNumberOrNull)) { fail(`${subject}: bad row ${JSON.stringify(row)}`); break; }
  }
  snapshots[s.minute] = s;
}

function checkIntraday(subject, text) {
  const m = JSON.parse(text);
  if (JSON.stringify(Object.keys(m)) !== JSON.stringify(INTRADAY_KEYS)) fail(`${subject}: keys ${Object.keys(m)}`);
  if (m.v !== 1) fail(`${subject}: v=${m.v}`);
  if (subject !== `${prefix}.factors.intraday.${m.symbol.replace(".", "_")}`) fail(`${subject}: symbol ${m.symbol}`);
  if (!Number.isInteger(m.seq) || m.seq < 0) fail(`${subject}: seq ${m.seq}`);
  const names = Object.keys(m.values);
  if (names.length !== 27) fail(`${subject}: ${names.length} values`);
  if (factorNames && JSON.stringify(names) !== JSON.stringify(factorNames)) fail(`${subject}: factor order differs from the snapshot's`);
  if (!Object.values(m.values).every(isNumberOrNull)) fail(`${subject}: non-numeric value`);
  (intraday[m.minute] ??= {})[m.symbol] = names.map((n) => m.values[n]);
}

const nc = await connect({ servers: url, name: "node-downstream" });
const snap = nc.subscribe(`${prefix}.factors.snapshot`);
const intra = nc.subscribe(`${prefix}.factors.intraday.*`);
await nc.flush();
console.log("ready");

const timer = setTimeout(() => finish(3, "timed out before the close"), Number(timeoutArg) * 1000);

function done() {
  const close = snapshots[240];
  return close && intraday[240] && Object.keys(intraday[240]).length === close.symbols.length;
}

async function finish(code, why) {
  clearTimeout(timer);
  const out = { errors, why: why ?? null, snapshotMinutes: Object.keys(snapshots).map(Number), snapshots, intraday };
  writeFileSync(outPath, JSON.stringify(out));
  await nc.close();
  process.exit(errors.length > 0 ? 1 : code);
}

(async () => {
  for await (const m of intra) {
    try { checkIntraday(m.subject, sc.decode(m.data)); } catch (e) { fail(`${m.subject}: ${e}`); }
    if (done()) await finish(0);
  }
})();
for await (const m of snap) {
  try { checkSnapshot(m.subject, sc.decode(m.data)); } catch (e) { fail(`${m.subject}: ${e}`); }
  if (done()) await finish(0);
}
