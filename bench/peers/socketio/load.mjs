// Load generator for the Socket.IO peer (server.mjs): the same two workloads as the Java bench's
// `exp1` and `rooms`, the same checks and the same figures, printed as one JSON line on stdout
// (progress goes to stderr).
//
//   node load.mjs exp1  --urls http://127.0.0.1:3101 --messages 10000 --clients 100
//                       [--inflight 64] [--warmup 2000]
//   node load.mjs rooms --urls http://127.0.0.1:3101 --rooms 200 --members 5 --messages 40
//                       [--window 4] [--warmup 10]
//   common: --text 100 --pids 3101=<pid>,... (else found with `ss` by port) --redis-port 6379
//           --idle-timeout 20 --connect-concurrency 100 --results <dir> (also write a file)
//
// exp1: C receivers join one room; one publisher (not in the room) sends M messages with at most
// `inflight` unacked; a message counts for every receiver. rooms: R rooms of K members, every
// member joins its room and sends N messages with at most `window` unacked (Socket.IO ack
// callbacks); every member receives every message of its room, its own included.
//
// Checks: Socket.IO numbers nothing, so every text carries the pass and a per-sender counter
// ("<send µs> <pass>:<n> xxx..."); each receiver books, per sender, every n of 1..N: lost,
// duplicates, out of order (n below the highest seen), gaps (n jumped ahead). Latency is
// send-to-receive on this process's clock (the text starts with performance.now() in µs) and
// send-to-ack. Server CPU: utime+stime of each server process (/proc/<pid>/stat) before and
// after the measured window, divided by deliveries and by messages; Redis's the same way.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { io } from "socket.io-client";

const USAGE = `usage: node load.mjs exp1|rooms [--urls http://127.0.0.1:3101,...] [options]
  exp1:   --messages 10000 --clients 100 --inflight 64 --warmup 2000 (messages, discarded)
  rooms:  --rooms 200 --members 5 --messages 40 (per member) --window 4 --warmup 10 (per member)
  common: --text 100 --pids 3101=<pid>,... --redis-port 6379 --idle-timeout 20
          --connect-concurrency 100 --results <dir>`;

const KNOWN = new Set([
  "urls", "messages", "clients", "inflight", "warmup", "rooms", "members", "window", "text",
  "pids", "redis-port", "idle-timeout", "connect-concurrency", "results", "label",
]);

function parseArgs(argv) {
  const positional = [];
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const body = a.slice(2);
    const eq = body.indexOf("=");
    if (eq >= 0) {
      opts[body.slice(0, eq)] = body.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
      opts[body] = argv[++i];
    } else {
      opts[body] = "true";
    }
  }
  const unknown = Object.keys(opts).filter((k) => !KNOWN.has(k));
  if (unknown.length) {
    throw new Error(`unknown option(s): --${unknown.join(", --")}`);
  }
  return { positional, opts };
}

const log = (...a) => console.error(...a);
const TICKS_PER_SECOND = 100; // USER_HZ

/** CPU seconds (utime + stime) of a local process, or null. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function pidByPort(port) {
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function sumCpu(pids) {
  let total = 0;
  for (const p of pids) {
    const c = cpuSeconds(p);
    if (c == null) return null;
    total += c;
  }
  return total;
}

const round = (v, d = 3) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : 0);

/** Percentiles in ms of µs samples, like the Java bench's Latency record. */
function latency(samples, count) {
  if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const s = samples.subarray(0, count).sort();
  const at = (q) => s[Math.min(count - 1, Math.max(0, Math.ceil((q / 100) * count) - 1))] / 1000;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += s[i];
  return {
    count,
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    p999: round(at(99.9)),
    max: round(s[count - 1] / 1000),
    mean: round(sum / count / 1000),
  };
}

/** Samples in µs, preallocated; over capacity they are dropped and counted. */
class Samples {
  constructor(capacity) {
    this.values = new Uint32Array(Math.max(1, capacity));
    this.count = 0;
    this.dropped = 0;
  }
  add(micros) {
    if (this.count < this.values.length) {
      this.values[this.count++] = micros < 0 ? 0 : Math.min(micros, 0xffffffff);
    } else {
      this.dropped++;
    }
  }
  summary() {
    return latency(this.values, this.count);
  }
}

const nowMicros = () => Math.round(performance.now() * 1000);

function textOf(pass, n, chars) {
  const head = `${nowMicros()} ${pass}:${n} `;
  return head.length >= chars ? head : head + "x".repeat(chars - head.length);
}

/**
 * One measured (or discarded) window: which pass its texts carry, how many messages each sender
 * sends, and the shared counters.
 */
class Pass {
  constructor(id, perSender, expectedDeliveries, expectedMessages, done) {
    this.id = id;
    this.perSender = perSender;
    this.latency = new Samples(expectedDeliveries);
    this.ackLatency = new Samples(expectedMessages);
    this.delivered = 0;
    this.acks = 0;
    this.lastArrival = 0;
    this.lastAck = 0;
    this.progress = 0;
    this.doneCount = 0;
    this.done = done;
  }
}

/** A receiver's account, per sender, of the counters 1..N of one pass. */
class Ledger {
  constructor(pass, senders) {
    this.pass = pass;
    this.senders = senders;
    this.bySender = new Map();
    this.distinct = 0;
    this.duplicates = 0;
    this.outOfOrder = 0;
    this.gaps = 0;
    this.stray = 0;
  }
  record(sender, n) {
    const N = this.pass.perSender;
    if (n < 1 || n > N) {
      this.stray++;
      return false;
    }
    let s = this.bySender.get(sender);
    if (s === undefined) {
      if (this.bySender.size >= this.senders) {
        this.stray++;
        return false;
      }
      s = { seen: new Uint8Array(N + 1), highest: 0 };
      this.bySender.set(sender, s);
    }
    if (s.seen[n]) {
      this.duplicates++;
      return false;
    }
    s.seen[n] = 1;
    this.distinct++;
    if (n < s.highest) {
      this.outOfOrder++;
    } else {
      if (n > s.highest + 1) this.gaps++;
      s.highest = n;
    }
    return true;
  }
}

class Client {
  constructor(url, user, room, senders, joins = true) {
    this.url = url;
    this.user = user;
    this.room = room;
    this.joins = joins; // a publisher of exp1 sends to the room without being in it
    this.senders = senders; // senders this client hears from per pass
    this.pass = null;
    this.ledger = null;
    this.complete = false;
    this.sent = 0;
    this.acked = 0;
    this.toSend = 0;
    this.window = 0;
    this.sendTimes = null;
    this.sendErrors = 0;
    this.firstError = null;
    this.closeReason = null;
    this.counted = false;
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.socket = io(this.url, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        perMessageDeflate: false,
        auth: { user: this.user },
        timeout: 30000,
      });
      this.socket.once("connect", () => resolve(this));
      this.socket.once("connect_error", (e) => reject(new Error(`${this.url}: ${e.message}`)));
      this.socket.on("disconnect", (reason) => {
        if (this.closeReason == null) this.closeReason = reason;
      });
      this.socket.on("message", (m) => this.onMessage(m));
    });
  }

  join() {
    return new Promise((resolve, reject) => {
      this.socket.timeout(30000).emit("join", this.room, (err, res) => {
        if (err || res?.error) reject(new Error(`join ${this.room}: ${err?.message ?? res.error.message}`));
        else resolve();
      });
    });
  }

  begin(pass) {
    this.pass = pass;
    this.ledger = new Ledger(pass, this.senders);
    this.complete = this.senders === 0;
    this.counted = false;
  }

  onMessage(m) {
    const now = nowMicros();
    const pass = this.pass;
    if (pass === null) return;
    const text = m.text;
    const sp = text.indexOf(" ");
    const colon = text.indexOf(":", sp);
    const p = Number(text.slice(sp + 1, colon));
    if (p !== pass.id) {
      this.ledger.stray++;
      return;
    }
    const n = parseInt(text.slice(colon + 1), 10);
    if (!this.ledger.record(m.sender, n)) return;
    pass.delivered++;
    pass.progress++;
    pass.lastArrival = now;
    pass.latency.add(now - parseInt(text, 10));
    if (this.ledger.distinct === this.senders * pass.perSender) {
      this.complete = true;
      this.checkDone();
    }
  }

  /** Starts sending `count` messages of the pass with at most `window` unacked. */
  publish(count, window, chars) {
    this.toSend = count;
    this.sent = 0;
    this.acked = 0;
    this.window = window;
    this.chars = chars;
    this.sendTimes = new Float64Array(count + 1);
    this.fill();
  }

  fill() {
    while (this.sent < this.toSend && this.sent - this.acked < this.window) {
      this.sendOne(++this.sent);
    }
  }

  sendOne(n) {
    const pass = this.pass;
    const clientMessageId = `${this.user}-${pass.id}-${n}`;
    this.sendTimes[n] = nowMicros();
    this.socket.emit(
      "send",
      { room: this.room, clientMessageId, text: textOf(pass.id, n, this.chars) },
      (res) => this.onAck(pass, n, res),
    );
  }

  onAck(pass, n, res) {
    if (pass !== this.pass) return;
    const now = nowMicros();
    this.acked++;
    pass.acks++;
    pass.progress++;
    pass.lastAck = now;
    if (res?.error) {
      this.sendErrors++;
      if (this.firstError == null) this.firstError = JSON.stringify(res.error);
    } else {
      pass.ackLatency.add(now - this.sendTimes[n]);
    }
    this.fill();
    this.checkDone();
  }

  checkDone() {
    if (!this.counted && this.complete && this.acked === this.toSend) {
      this.counted = true;
      this.pass.doneCount++;
      this.pass.done();
    }
  }

  close() {
    this.socket?.disconnect();
  }
}

async function connectAll(clients, concurrency) {
  let next = 0;
  async function worker() {
    while (next < clients.length) {
      const c = clients[next++];
      await c.connect();
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
}

async function joinAll(clients) {
  const batch = 200;
  for (let i = 0; i < clients.length; i += batch) {
    await Promise.all(clients.slice(i, i + batch).filter((c) => c.joins).map((c) => c.join()));
  }
}

function machine() {
  return {
    cores: String(os.cpus().length),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memTotal: `${Math.round(os.totalmem() / 1024)} kB`,
    loadAverage: os.loadavg().map((v) => v.toFixed(2)).join(" "),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

/**
 * Runs one pass: every client in `senders` sends `perSender` messages; finishes when every
 * receiver has every message and every ack is in, or when nothing moved for the idle timeout.
 */
async function runPass(ctx, id, label, perSender, window) {
  const { receivers, senders, sendersPerReceiver, chars, idleTimeoutMs, serverPids, redisPids } = ctx;
  const all = new Set([...receivers, ...senders]);
  const expectedDeliveries = receivers.length * sendersPerReceiver * perSender;
  const expectedMessages = senders.length * perSender;
  let resolveDone;
  const finished = new Promise((r) => (resolveDone = r));
  const pass = new Pass(id, perSender, expectedDeliveries, expectedMessages, () => {
    if (pass.doneCount === all.size) resolveDone(true);
  });
  for (const c of all) {
    c.begin(pass);
    c.toSend = 0;
    c.acked = 0;
  }
  for (const r of receivers) {
    r.senders = sendersPerReceiver;
    r.begin(pass);
  }
  const serverCpuBefore = sumCpu(serverPids);
  const redisCpuBefore = sumCpu(redisPids);
  const ownBefore = process.cpuUsage();
  const start = nowMicros();
  for (const s of senders) {
    s.publish(perSender, window, chars);
  }
  for (const c of all) c.checkDone();
  let lastProgress = -1;
  let lastMove = Date.now();
  let timedOut = false;
  const watchdog = new Promise((resolve) => {
    const t = setInterval(() => {
      if (pass.progress !== lastProgress) {
        lastProgress = pass.progress;
        lastMove = Date.now();
      } else if (Date.now() - lastMove > idleTimeoutMs) {
        timedOut = true;
        clearInterval(t);
        resolve(false);
      }
    }, 250);
    finished.then(() => clearInterval(t));
  });
  await Promise.race([finished, watchdog]);
  if (timedOut) log(`${label}: nothing moved for the idle timeout: ending the window incomplete`);
  const own = process.cpuUsage(ownBefore);
  const serverCpuAfter = sumCpu(serverPids);
  const redisCpuAfter = sumCpu(redisPids);
  for (const c of all) c.pass = null;
  const end = Math.max(pass.lastArrival, pass.lastAck, start + 1);
  const seconds = (end - start) / 1e6;
  let lost = 0, duplicates = 0, outOfOrder = 0, gaps = 0, stray = 0;
  for (const r of receivers) {
    const l = r.ledger;
    lost += sendersPerReceiver * perSender - l.distinct;
    duplicates += l.duplicates;
    outOfOrder += l.outOfOrder;
    gaps += l.gaps;
    stray += l.stray;
  }
  let sendErrors = 0;
  let acksMissing = 0;
  let firstSendError = null;
  for (const s of senders) {
    sendErrors += s.sendErrors;
    acksMissing += s.toSend - s.acked;
    firstSendError ??= s.firstError;
    s.sendErrors = 0;
    s.firstError = null;
  }
  const serverCpu =
    serverCpuBefore != null && serverCpuAfter != null ? serverCpuAfter - serverCpuBefore : null;
  const redisCpu =
    redisCpuBefore != null && redisCpuAfter != null ? redisCpuAfter - redisCpuBefore : null;
  const ownCpu = (own.user + own.system) / 1e6;
  const delivered = pass.delivered;
  return {
    label,
    clients: receivers.length,
    chatServers: ctx.urls.length,
    publishers: senders.length,
    messages: expectedMessages,
    textChars: chars,
    inflight: window,
    seconds: round(seconds),
    messagesPerSecond: round(expectedMessages / seconds),
    deliveriesPerSecond: round(delivered / seconds),
    expectedDeliveries,
    delivered,
    lost,
    duplicates,
    outOfOrder,
    gaps,
    strayDeliveries: stray,
    sendErrors: sendErrors + acksMissing,
    acksMissing,
    firstSendError,
    connectionsClosed: [...all].filter((c) => c.closeReason != null).length,
    latency: pass.latency.summary(),
    ackLatency: pass.ackLatency.summary(),
    serverCpuSeconds: serverCpu == null ? null : round(serverCpu),
    serverCpuMicrosPerDelivery: serverCpu == null || !delivered ? null : round((serverCpu * 1e6) / delivered),
    serverCpuMicrosPerMessage: serverCpu == null ? null : round((serverCpu * 1e6) / expectedMessages),
    redisCpuSeconds: redisCpu == null ? null : round(redisCpu),
    generatorCpuSeconds: round(ownCpu),
    generatorCpuMicrosPerDelivery: delivered ? round((ownCpu * 1e6) / delivered) : 0,
  };
}

function printPoint(p) {
  const l = p.latency;
  log(
    `${p.label.padEnd(22)} ${p.messages} msgs x ${p.clients} clients on ${p.chatServers} server(s): ` +
      `${p.seconds.toFixed(3)} s, ${p.messagesPerSecond.toFixed(0)} msgs/s, ` +
      `${p.deliveriesPerSecond.toFixed(0)} deliveries/s | lost ${p.lost} dup ${p.duplicates} ` +
      `ooo ${p.outOfOrder} gaps ${p.gaps} errors ${p.sendErrors} closed ${p.connectionsClosed} | ` +
      `p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} p99.9 ${l.p999} max ${l.max} ms | ` +
      `ack p50 ${p.ackLatency.p50} p99 ${p.ackLatency.p99} ms | server CPU ` +
      `${p.serverCpuMicrosPerDelivery ?? "n/a"} µs/delivery ${p.serverCpuMicrosPerMessage ?? "n/a"} µs/msg, ` +
      `generator ${p.generatorCpuMicrosPerDelivery} µs/delivery, redis CPU ${p.redisCpuSeconds ?? "n/a"} s`,
  );
}

async function main() {
  const { positional, opts } = parseArgs(process.argv.slice(2));
  const scenario = positional[0];
  if (scenario !== "exp1" && scenario !== "rooms") {
    log(USAGE);
    process.exit(2);
  }
  const int = (name, fallback) => (opts[name] == null ? fallback : Number(String(opts[name]).replace(/_/g, "")));
  const urls = (opts.urls ?? "http://127.0.0.1:3101").split(",").map((u) => u.trim()).filter(Boolean);
  for (const u of urls) {
    const h = new URL(u).hostname;
    if (h !== "127.0.0.1" && h !== "localhost") throw new Error(`${u}: only 127.0.0.1 is driven`);
  }
  const pidSpec = new Map(
    (opts.pids ?? "").split(",").filter(Boolean).map((kv) => kv.split("=").map((x) => Number(x.trim()))),
  );
  const serverPids = urls.map((u) => {
    const port = Number(new URL(u).port);
    return pidSpec.get(port) || pidByPort(port);
  });
  if (serverPids.some((p) => !p)) log(`server pid not found for some of ${urls}: no server CPU figure`);
  const redisPid = pidByPort(int("redis-port", 6379));
  const ctx = {
    urls,
    chars: int("text", 100),
    idleTimeoutMs: int("idle-timeout", 20) * 1000,
    serverPids: serverPids.every((p) => p) ? serverPids : [],
    redisPids: redisPid ? [redisPid] : [],
  };
  const tag = Date.now().toString(36);
  const clients = [];
  let points = [];
  let shape;
  const started = new Date();
  try {
    if (scenario === "exp1") {
      const messages = int("messages", 10000);
      const count = int("clients", 100);
      const inflight = int("inflight", 64);
      const warmup = int("warmup", 2000);
      const room = `bench-sio-exp1-${tag}`;
      const server = urls[0];
      const receivers = Array.from({ length: count }, (_, i) => new Client(server, `u${i}`, room, 1));
      const publisher = new Client(server, "p0", room, 0, false);
      clients.push(...receivers, publisher);
      shape = { room, clients: count, messages, inflight, warmup, server };
      const t0 = performance.now();
      await connectAll(clients, int("connect-concurrency", 100));
      await joinAll(receivers);
      log(`connected ${count} receivers + 1 publisher to ${server} in ${((performance.now() - t0) / 1000).toFixed(1)} s (room ${room})`);
      Object.assign(ctx, { receivers, senders: [publisher], sendersPerReceiver: 1 });
      if (warmup > 0) printPoint(await runPass(ctx, 0, "warm-up (discarded)", warmup, inflight));
      const p = await runPass(ctx, 1, `${messages}x${count}`, messages, inflight);
      printPoint(p);
      points = [p];
    } else {
      const rooms = int("rooms", 200);
      const members = int("members", 5);
      const perMember = int("messages", 40);
      const window = int("window", 4);
      const warmup = int("warmup", 10);
      const all = [];
      for (let r = 0; r < rooms; r++) {
        for (let m = 0; m < members; m++) {
          const i = r * members + m;
          all.push(new Client(urls[i % urls.length], `u${i}`, `bench-sio-rooms-${tag}-r${r}`, members));
        }
      }
      clients.push(...all);
      shape = { rooms, members, messagesPerMember: perMember, window, warmup };
      const t0 = performance.now();
      await connectAll(all, int("connect-concurrency", 100));
      await joinAll(all);
      log(`connected ${all.length} members of ${rooms} rooms to ${urls.join(", ")} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      Object.assign(ctx, { receivers: all, senders: all, sendersPerReceiver: members });
      if (warmup > 0) printPoint(await runPass(ctx, 0, "warm-up (discarded)", warmup, window));
      const p = await runPass(ctx, 1, `${rooms}x${members}x${perMember}`, perMember, window);
      printPoint(p);
      points = [p];
    }
  } finally {
    for (const c of clients) c.close();
  }
  const correct = points.every(
    (p) => p.lost === 0 && p.duplicates === 0 && p.outOfOrder === 0 && p.sendErrors === 0,
  );
  const result = {
    peer: "socket.io",
    scenario,
    startedAt: started.toISOString(),
    machine: { ...machine(), serverPids: ctx.serverPids, redisPid },
    options: opts,
    shape,
    points,
    correct,
  };
  const line = JSON.stringify(result);
  if (opts.results) {
    mkdirSync(opts.results, { recursive: true });
    const stamp = started.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const file = path.join(opts.results, `socketio-${scenario}-${stamp}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
    log(`result: ${file}`);
  }
  process.stdout.write(line + "\n");
  if (!correct) log("INCORRECT: a delivery was lost, duplicated, reordered or refused");
  // Sockets are closed; exit without waiting for their timers.
  setTimeout(() => process.exit(correct ? 0 : 1), 100);
}

main().catch((e) => {
  log(`load failed: ${e.message}`);
  process.exit(3);
});
