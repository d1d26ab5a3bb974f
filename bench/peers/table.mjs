// Reads the results of one side-by-side run (bench/peers/side-by-side.sh) and prints the table:
// medians over the rounds, Chatroom beside Socket.IO, and the ratio Chatroom / Socket.IO.
//   node bench/peers/table.mjs <run dir>
// The run dir holds chatroom-exp1-<k>.json and chatroom-rooms-<k>.json (load.mjs's JSON lines,
// or the Java bench's result files with GENERATOR=java), socketio-exp1-<k>.json and
// socketio-rooms-<k>.json (load.mjs's JSON lines). Writes summary.json and summary.md into the
// run dir too.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  console.error("usage: node bench/peers/table.mjs <run dir>");
  process.exit(2);
}

function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** One measured point per file, normalised to the figures the table shows. */
function point(file, peer) {
  const r = JSON.parse(readFileSync(file, "utf8"));
  const p = r.points[r.points.length - 1];
  const perMessage =
    peer === "socketio"
      ? p.serverCpuMicrosPerMessage
      : p.serverCpuSeconds == null
        ? null
        : (p.serverCpuSeconds * 1e6) / p.messages;
  const redisPerMessage = p.redisCpuSeconds == null ? null : (p.redisCpuSeconds * 1e6) / p.messages;
  // Chatroom's archiver CPU in the measured window, per message (the Node generator measures it in
  // exp1 and rooms, the Java bench in rooms only).
  const archiver = r.extra?.archiverCpuSeconds;
  const archiverPerMessage = archiver == null ? null : (archiver * 1e6) / p.messages;
  return {
    file: path.basename(file),
    // load.mjs records its generator; the Java bench's result files do not.
    generator: r.generator ?? (peer === "socketio" ? "node" : "java"),
    messagesPerSecond: p.messagesPerSecond,
    deliveriesPerSecond: p.deliveriesPerSecond,
    cpuPerDelivery: p.serverCpuMicrosPerDelivery,
    cpuPerMessage: perMessage,
    redisPerMessage,
    archiverPerMessage,
    p50: p.latency?.p50,
    p99: p.latency?.p99,
    generatorPerDelivery: p.generatorCpuMicrosPerDelivery,
    // load.mjs also reports seq breaks and strays; the Java bench folds them into the others.
    errors: p.lost + p.duplicates + p.outOfOrder + p.sendErrors + (p.seqBreaks ?? 0) + (p.strayDeliveries ?? 0),
  };
}

const rows = {};
for (const f of readdirSync(dir).sort()) {
  const m = /^(chatroom|socketio)-(exp1|rooms)-(\d+)\.json$/.exec(f);
  if (!m) continue;
  const peer = m[1] === "chatroom" ? "Chatroom" : "Socket.IO";
  const key = `${m[2]}|${peer}`;
  try {
    (rows[key] ??= []).push(point(path.join(dir, f), m[1]));
  } catch (e) {
    console.error(`${f}: ${e.message}`);
  }
}

const fmt = (v, d = 0) => (v == null ? "n/a" : v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
const ratio = (a, b) => (a == null || b == null || b === 0 ? "n/a" : (a / b).toFixed(2));

const summary = {};
const lines = [];
const scenarios = [
  ["exp1", "deliveriesPerSecond", "deliveries/s", "cpuPerDelivery", "server CPU µs/delivery"],
  ["rooms", "messagesPerSecond", "msgs/s", "cpuPerMessage", "server CPU µs/message"],
];
lines.push(
  "| scenario | peer | generator | rounds | msgs/s | deliveries/s | server CPU µs/delivery | server CPU µs/message | Redis CPU µs/message | archiver CPU µs/message | p50 ms | p99 ms | generator CPU µs/delivery | lost+dup+ooo+errors+seq breaks+strays |",
);
lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [scenario] of scenarios) {
  for (const peer of ["Chatroom", "Socket.IO"]) {
    const pts = rows[`${scenario}|${peer}`] ?? [];
    const med = {};
    for (const k of ["messagesPerSecond", "deliveriesPerSecond", "cpuPerDelivery", "cpuPerMessage", "redisPerMessage", "archiverPerMessage", "p50", "p99", "generatorPerDelivery"]) {
      med[k] = median(pts.map((p) => p[k]));
    }
    med.errors = pts.reduce((a, p) => a + (p.errors ?? 0), 0);
    med.rounds = pts.length;
    med.generator = [...new Set(pts.map((p) => p.generator))].join("+") || "n/a";
    med.files = pts.map((p) => p.file);
    summary[`${scenario}|${peer}`] = med;
    lines.push(
      `| ${scenario} | ${peer} | ${med.generator} | ${med.rounds} | ${fmt(med.messagesPerSecond)} | ${fmt(med.deliveriesPerSecond)} | ${fmt(med.cpuPerDelivery, 2)} | ${fmt(med.cpuPerMessage, 1)} | ${fmt(med.redisPerMessage, 1)} | ${fmt(med.archiverPerMessage, 1)} | ${fmt(med.p50, 1)} | ${fmt(med.p99, 1)} | ${fmt(med.generatorPerDelivery, 2)} | ${med.errors} |`,
    );
  }
}
lines.push("");
lines.push("| ratio Chatroom / Socket.IO (medians) | throughput | server CPU |");
lines.push("| --- | --- | --- |");
for (const [scenario, tKey, tName, cKey, cName] of scenarios) {
  const a = summary[`${scenario}|Chatroom`];
  const b = summary[`${scenario}|Socket.IO`];
  lines.push(`| ${scenario} | ${tName}: ${ratio(a[tKey], b[tKey])} | ${cName}: ${ratio(a[cKey], b[cKey])} |`);
}
const md = lines.join("\n") + "\n";
process.stdout.write(md);
writeFileSync(path.join(dir, "summary.md"), md);
writeFileSync(path.join(dir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
