// One Node load generator for both peers of the side-by-side benchmark (side-by-side.sh):
// Chatroom over STOMP 1.2 on WebSocket (`--peer chatroom`, through the coordinator's REST login
// like a browser) and the Socket.IO peer (`--peer socketio`, server.mjs in ../socketio). The same
// two workloads as the Java bench's `exp1` and `rooms`, the same checks and the same figures for
// both, printed as one JSON line on stdout (progress goes to stderr), so the peers are compared
// with one generator whose own CPU cost is the same for both.
//
//   node load.mjs exp1  --peer socketio|chatroom --messages 10000 --clients 100
//                       [--inflight 64] [--warmup 2000]
//   node load.mjs rooms --peer socketio|chatroom --rooms 200 --members 5 --messages 40
//                       [--window 4] [--warmup 10]
//   socketio: --urls http://127.0.0.1:3101,...
//   chatroom: --coordinator http://localhost:8080 --servers 1 (the first N it lists)
//             --server-ids chat-1,... (only these of the servers it lists)
//             --archiver http://localhost:8090 (its CPU) --users 100 --user-prefix nodebench-
//             --password <p> --origin <coordinator> --login-concurrency 4
//   common:   --text 100 --pids <port>=<pid>,... (else found with `ss` by port) --redis-port 6379
//             --idle-timeout 20 --connect-concurrency 100 --results <dir> (also write a file)
//
// exp1: C receivers join one room; one publisher (not in the room) sends M messages with at most
// `inflight` unacked; a message counts for every receiver. rooms: R rooms of K members, every
// member joins its room and sends N messages with at most `window` unacked (Socket.IO ack
// callbacks; Chatroom acks on /user/queue/acks); every member receives every message of its
// room, its own included. Joining waits for the join's ack (Socket.IO) or the SUBSCRIBE's
// RECEIPT (Chatroom), so a room is live before anything is sent.
//
// Checks: Socket.IO numbers nothing, so every text carries the pass and a per-sender counter
// ("<send µs> <pass>:<n> xxx..."); each receiver books, per sender, every n of 1..N: lost,
// duplicates, out of order (n below the highest seen), gaps (n jumped ahead), strays (another
// room's, or a pass's that is over). For Chatroom also every frame of a room subscription must
// carry the last one's seq + 1, the first seq 1 (the room is new): seq breaks. The warm-up pass is
// judged too (a join that lost messages shows there first); a run ends 0.5 s after its last
// expected delivery so a late duplicate is still seen. Latency is
// send-to-receive on this process's clock (the text starts with performance.now() in µs) and
// send-to-ack. Server CPU: utime+stime of each server process (/proc/<pid>/stat) before and
// after the measured window, divided by deliveries and by messages; Redis's and the archiver's
// (Chatroom, exp1 and rooms) the same way. PostgreSQL's CPU is not counted.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { io } from "socket.io-client";
import { StompConnection } from "./stomp.mjs";

const USAGE = `usage: node load.mjs exp1|rooms --peer socketio|chatroom [options]
  exp1:     --messages 10000 --clients 100 --inflight 64 --warmup 2000 (messages, discarded)
  rooms:    --rooms 200 --members 5 --messages 40 (per member) --window 4 --warmup 10 (per member)
  socketio: --urls http://127.0.0.1:3101,...
  chatroom: --coordinator http://localhost:8080 --servers 1 --server-ids <id>,... --archiver http://localhost:8090
            --users 100 --user-prefix nodebench- --password <p> --origin <url> --login-concurrency 4
  common:   --text 100 --pids <port>=<pid>,... --redis-port 6379 --idle-timeout 20
            --connect-concurrency 100 --results <dir>`;

const KNOWN = new Set([
  "peer", "urls", "messages", "clients", "inflight", "warmup", "rooms", "members", "window", "text",
  "pids", "redis-port", "idle-timeout", "connect-concurrency", "results", "label", "coordinator",
  "servers", "server-ids", "archiver", "users", "user-prefix", "password", "origin", "login-concurrency",
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
    if (!Number.isInteger(n) || n < 1 || n > N) {
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

/** A Socket.IO connection of the peer (server.mjs): `join` and `send` events with ack callbacks. */
class SocketIoLink {
  constructor(url, user) {
    this.url = url;
    this.user = user;
  }

  connect(client) {
    return new Promise((resolve, reject) => {
      this.socket = io(this.url, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        perMessageDeflate: false,
        auth: { user: this.user },
        timeout: 30000,
      });
      this.socket.once("connect", () => resolve());
      this.socket.once("connect_error", (e) => reject(new Error(`${this.url}: ${e.message}`)));
      this.socket.on("disconnect", (reason) => client.closed(reason));
      this.socket.on("message", (m) => client.onMessage(m.sender, m.text, 0, m.room));
    });
  }

  join(room) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(30000).emit("join", room, (err, res) => {
        if (err || res?.error) reject(new Error(`join ${room}: ${err?.message ?? res.error.message}`));
        else resolve();
      });
    });
  }

  /** `onAck(error)`: null when acked, else the refusal as text. */
  send(room, clientMessageId, text, onAck) {
    this.socket.emit("send", { room, clientMessageId, text }, (res) =>
      onAck(res?.error ? JSON.stringify(res.error) : null),
    );
  }

  close() {
    this.socket?.disconnect();
  }
}

/**
 * A Chatroom STOMP session: `join` subscribes to the room's topic with a receipt (the room is
 * live once it arrives); a SEND is acked on /user/queue/acks or refused on /user/queue/errors,
 * matched by clientMessageId.
 */
class ChatroomLink {
  constructor(wsUrl, origin, token, sends) {
    this.wsUrl = wsUrl;
    this.origin = origin;
    this.token = token;
    this.sends = sends;
    this.pendingAcks = new Map();
    this.joined = null;
  }

  async connect(client) {
    this.client = client;
    this.stomp = new StompConnection(this.wsUrl, this.origin, this.token, (f) => this.onFrame(f), (reason) =>
      client.closed(reason),
    );
    await this.stomp.connect();
    if (this.sends) {
      this.stomp.subscribe("a", "/user/queue/acks");
      this.stomp.subscribe("e", "/user/queue/errors");
    }
  }

  join(room) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`join ${room}: no RECEIPT in 30 s`)), 30000);
      this.joined = () => {
        clearTimeout(timer);
        resolve();
      };
      this.stomp.subscribe("r", `/topic/rooms/${room}`, "joined");
    });
  }

  onFrame(frame) {
    if (frame.command === "MESSAGE") {
      const sub = frame.headers.subscription;
      const body = JSON.parse(frame.body);
      if (sub === "r") {
        this.client.onMessage(body.sender, body.text, body.seq, body.room);
      } else if (sub === "a") {
        this.settle(body.clientMessageId, null);
      } else if (sub === "e") {
        if (!this.settle(body.clientMessageId, `${body.code}: ${body.message}`)) {
          this.client.refused(`${body.code}: ${body.message}`);
        }
      }
    } else if (frame.command === "RECEIPT" && frame.headers["receipt-id"] === "joined") {
      this.joined?.();
      this.joined = null;
    } else if (frame.command === "ERROR") {
      this.client.closed(`ERROR ${frame.headers.message ?? ""}`.trim());
    }
  }

  settle(clientMessageId, error) {
    const onAck = this.pendingAcks.get(clientMessageId);
    if (onAck === undefined) return false;
    this.pendingAcks.delete(clientMessageId);
    onAck(error);
    return true;
  }

  send(room, clientMessageId, text, onAck) {
    this.pendingAcks.set(clientMessageId, onAck);
    this.stomp.send(`/app/rooms/${room}`, JSON.stringify({ clientMessageId, text }));
  }

  close() {
    this.stomp?.close();
  }
}

class Client {
  constructor(link, id, room, senders, joins = true) {
    this.link = link;
    this.id = id; // unique per run: part of every clientMessageId
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
    // Chatroom numbers a room's messages: the room is new, so its first frame must be seq 1 and
    // each later one the last + 1.
    this.lastSeq = 0;
    this.seqBreaks = 0;
    this.wrongRoom = 0;
  }

  async connect() {
    await this.link.connect(this);
    return this;
  }

  join() {
    return this.link.join(this.room);
  }

  closed(reason) {
    if (this.closeReason == null) this.closeReason = reason;
  }

  refused(error) {
    this.sendErrors++;
    if (this.firstError == null) this.firstError = error;
  }

  begin(pass) {
    this.pass = pass;
    this.ledger = new Ledger(pass, this.senders);
    this.complete = this.senders === 0;
    this.counted = false;
  }

  onMessage(sender, text, seq, room) {
    const now = nowMicros();
    if (room !== this.room) {
      this.wrongRoom++;
      return;
    }
    if (seq) {
      if (seq !== this.lastSeq + 1) this.seqBreaks++;
      this.lastSeq = seq;
    }
    const pass = this.pass;
    if (pass === null) return;
    const sp = text.indexOf(" ");
    const colon = text.indexOf(":", sp);
    const p = Number(text.slice(sp + 1, colon));
    if (p !== pass.id) {
      this.ledger.stray++;
      return;
    }
    const n = parseInt(text.slice(colon + 1), 10);
    if (!this.ledger.record(sender, n)) return;
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
    this.sendTimes[n] = nowMicros();
    this.link.send(this.room, `${this.id}-${pass.id}-${n}`, textOf(pass.id, n, this.chars), (error) =>
      this.onAck(pass, n, error),
    );
  }

  onAck(pass, n, error) {
    if (pass !== this.pass) return;
    const now = nowMicros();
    this.acked++;
    pass.acks++;
    pass.progress++;
    pass.lastAck = now;
    if (error != null) {
      this.refused(error);
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
    this.link.close();
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
  const { receivers, senders, sendersPerReceiver, chars, idleTimeoutMs, serverPids, redisPids, archiverPids } = ctx;
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
  const archiverCpuBefore = archiverPids.length ? sumCpu(archiverPids) : null;
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
  const archiverCpuAfter = archiverPids.length ? sumCpu(archiverPids) : null;
  // A duplicate may still be on its way: look for it a moment longer (outside the CPU window).
  await sleep(500);
  for (const c of all) c.pass = null;
  const end = Math.max(pass.lastArrival, pass.lastAck, start + 1);
  const seconds = (end - start) / 1e6;
  let lost = 0, duplicates = 0, outOfOrder = 0, gaps = 0, stray = 0, seqBreaks = 0;
  for (const r of receivers) {
    const l = r.ledger;
    lost += sendersPerReceiver * perSender - l.distinct;
    duplicates += l.duplicates;
    outOfOrder += l.outOfOrder;
    gaps += l.gaps;
    stray += l.stray;
    seqBreaks += r.seqBreaks;
    r.seqBreaks = 0;
    stray += r.wrongRoom;
    r.wrongRoom = 0;
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
    seqBreaks,
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
    archiverCpuSeconds:
      archiverCpuBefore != null && archiverCpuAfter != null ? round(archiverCpuAfter - archiverCpuBefore) : null,
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
      `ooo ${p.outOfOrder} gaps ${p.gaps} seq breaks ${p.seqBreaks} errors ${p.sendErrors} closed ${p.connectionsClosed} | ` +
      `p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} p99.9 ${l.p999} max ${l.max} ms | ` +
      `ack p50 ${p.ackLatency.p50} p99 ${p.ackLatency.p99} ms | server CPU ` +
      `${p.serverCpuMicrosPerDelivery ?? "n/a"} µs/delivery ${p.serverCpuMicrosPerMessage ?? "n/a"} µs/msg, ` +
      `generator ${p.generatorCpuMicrosPerDelivery} µs/delivery, redis CPU ${p.redisCpuSeconds ?? "n/a"} s`,
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function localUrl(u, what) {
  const h = new URL(u).hostname;
  if (h !== "127.0.0.1" && h !== "localhost") throw new Error(`${what} ${u}: only localhost/127.0.0.1 is driven`);
  return u;
}

/** POSTs JSON; a 429 is retried after its Retry-After (at least 1 s), as the Java bench does. */
async function postJson(url, body) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 429) return res;
    await sleep(Math.max(1, Number(res.headers.get("retry-after")) || 1) * 1000);
  }
  throw new Error(`${url}: still 429 after 20 attempts`);
}

/**
 * Logs in `count` users, registering those that do not exist yet, a few at a time. Both a
 * registration (even of a name that exists) and a failed login count against the coordinator's
 * per-address limits, so the first user decides: if it logs in, the users are from an earlier
 * run and are only logged in (one that fails is registered then); if not, all are registered
 * first (a fresh database: needs CHATROOM_AUTH_THROTTLE_MAX_REGISTRATIONS_PER_ADDRESS=0 for more
 * than 30).
 */
async function loginAll(coordinator, prefix, password, count, concurrency) {
  const logins = new Array(count);
  const credentialsOf = (i) => ({ username: `${prefix}${i}`, password });
  const register = async (credentials) => {
    const registered = await postJson(`${coordinator}/api/auth/register`, credentials);
    if (registered.status !== 201 && registered.status !== 409) {
      throw new Error(`register ${credentials.username}: ${registered.status} ${await registered.text()}`);
    }
  };
  const known = count > 0 && (await postJson(`${coordinator}/api/auth/login`, credentialsOf(0))).status === 200;
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      const credentials = credentialsOf(i);
      if (!known) await register(credentials);
      let login = await postJson(`${coordinator}/api/auth/login`, credentials);
      if (known && login.status === 401) {
        await register(credentials);
        login = await postJson(`${coordinator}/api/auth/login`, credentials);
      }
      if (login.status !== 200) {
        throw new Error(`login ${credentials.username}: ${login.status} ${await login.text()}`);
      }
      logins[i] = await login.json();
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return logins;
}

/**
 * Where the clients of one peer connect and how: `link(i, {server, sends, user})` makes client
 * i's connection, to server `server` (default i: round robin over the servers), as login i (or
 * Socket.IO user `user`), subscribed to its acks and errors if it `sends`; `serverUrls` and
 * `serverPids` are what is measured.
 */
async function peerSetup(peer, opts, int, clientCount) {
  const pidSpec = new Map(
    (opts.pids ?? "").split(",").filter(Boolean).map((kv) => kv.split("=").map((x) => Number(x.trim()))),
  );
  const pidOf = (u) => {
    const port = Number(new URL(u).port);
    return pidSpec.get(port) || pidByPort(port);
  };
  if (peer === "socketio") {
    const urls = (opts.urls ?? "http://127.0.0.1:3101").split(",").map((u) => localUrl(u.trim(), "--urls")).filter(Boolean);
    return {
      serverUrls: urls,
      serverPids: urls.map(pidOf),
      archiverPids: [],
      link: (i, { server = i, user = `u${i}` } = {}) => new SocketIoLink(urls[server % urls.length], user),
    };
  }
  const coordinator = localUrl((opts.coordinator ?? "http://localhost:8080").replace(/\/$/, ""), "--coordinator");
  const wanted = int("servers", 1);
  const res = await fetch(`${coordinator}/api/servers`);
  if (res.status !== 200) throw new Error(`GET ${coordinator}/api/servers: ${res.status}`);
  const ids = (opts["server-ids"] ?? "").split(",").filter(Boolean);
  const listed = (await res.json()).filter((s) => ids.length === 0 || ids.includes(s.id));
  const servers = listed.slice(0, wanted);
  if (servers.length < wanted) throw new Error(`${coordinator} lists ${servers.length} live chat server(s), ${wanted} wanted`);
  for (const s of servers) localUrl(s.httpUrl, "chat server");
  const users = Math.min(int("users", 100), clientCount);
  const t0 = performance.now();
  const logins = await loginAll(
    coordinator,
    opts["user-prefix"] ?? "nodebench-",
    opts.password ?? "bench-password-0123",
    users,
    int("login-concurrency", 4),
  );
  log(`logged in ${users} users at ${coordinator} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const origin = opts.origin ?? coordinator;
  const archiver = localUrl(opts.archiver ?? "http://localhost:8090", "--archiver");
  const archiverPid = pidOf(archiver);
  if (!archiverPid) log(`no archiver listens at ${archiver}: no archiver CPU figure`);
  return {
    serverUrls: servers.map((s) => s.httpUrl),
    serverPids: servers.map((s) => pidOf(s.httpUrl)),
    archiverPids: archiverPid ? [archiverPid] : [],
    users,
    link: (i, { server = i, sends = true } = {}) =>
      new ChatroomLink(servers[server % servers.length].wsUrl, origin, logins[i % logins.length].token, sends),
  };
}

async function main() {
  const { positional, opts } = parseArgs(process.argv.slice(2));
  const scenario = positional[0];
  const peer = opts.peer ?? "socketio";
  if ((scenario !== "exp1" && scenario !== "rooms") || (peer !== "socketio" && peer !== "chatroom")) {
    log(USAGE);
    process.exit(2);
  }
  const int = (name, fallback) => (opts[name] == null ? fallback : Number(String(opts[name]).replace(/_/g, "")));
  const rooms = int("rooms", 200);
  const members = int("members", 5);
  const clientCount = scenario === "exp1" ? int("clients", 100) : rooms * members;
  const setup = await peerSetup(peer, opts, int, clientCount);
  if (peer === "chatroom" && scenario === "rooms" && setup.users < members) {
    throw new Error(`--users ${setup.users}: at least --members (${members}) so a room's members are distinct users`);
  }
  const { serverUrls, serverPids } = setup;
  if (serverPids.some((p) => !p)) log(`server pid not found for some of ${serverUrls}: no server CPU figure`);
  const redisPid = pidByPort(int("redis-port", 6379));
  const ctx = {
    urls: serverUrls,
    chars: int("text", 100),
    idleTimeoutMs: int("idle-timeout", 20) * 1000,
    serverPids: serverPids.every((p) => p) ? serverPids : [],
    redisPids: redisPid ? [redisPid] : [],
    archiverPids: setup.archiverPids,
  };
  const tag = Date.now().toString(36);
  const roomPrefix = peer === "socketio" ? "bench-sio" : "bench-node";
  const clients = [];
  let points = [];
  let warmupPoint = null; // not measured, but judged: a join that lost messages shows there first
  let shape;
  const started = new Date();
  try {
    if (scenario === "exp1") {
      const messages = int("messages", 10000);
      const inflight = int("inflight", 64);
      const warmup = int("warmup", 2000);
      const room = `${roomPrefix}-exp1-${tag}`;
      // exp1's clients all use the first server; every server given is measured (a Socket.IO
      // server gets every broadcast through the adapter even with no client of the room); with
      // --users below --clients, logins are shared.
      const receivers = Array.from(
        { length: clientCount },
        (_, i) => new Client(setup.link(i, { server: 0, sends: false }), `r${tag}-${i}`, room, 1),
      );
      const publisher = new Client(setup.link(0, { server: 0, user: "p0" }), `p${tag}`, room, 0, false);
      clients.push(...receivers, publisher);
      shape = { room, clients: clientCount, messages, inflight, warmup, server: serverUrls[0] };
      const t0 = performance.now();
      await connectAll(clients, int("connect-concurrency", 100));
      await joinAll(receivers);
      log(`connected ${clientCount} receivers + 1 publisher to ${serverUrls[0]} in ${((performance.now() - t0) / 1000).toFixed(1)} s (room ${room})`);
      Object.assign(ctx, { receivers, senders: [publisher], sendersPerReceiver: 1 });
      if (warmup > 0) warmupPoint = await runPass(ctx, 0, "warm-up (discarded)", warmup, inflight);
      if (warmupPoint) printPoint(warmupPoint);
      const p = await runPass(ctx, 1, `${messages}x${clientCount}`, messages, inflight);
      printPoint(p);
      points = [p];
    } else {
      const perMember = int("messages", 40);
      const window = int("window", 4);
      const warmup = int("warmup", 10);
      const all = [];
      for (let r = 0; r < rooms; r++) {
        for (let m = 0; m < members; m++) {
          const i = r * members + m;
          all.push(new Client(setup.link(i), `m${tag}-${i}`, `${roomPrefix}-rooms-${tag}-r${r}`, members));
        }
      }
      clients.push(...all);
      shape = { rooms, members, messagesPerMember: perMember, window, warmup };
      const t0 = performance.now();
      await connectAll(all, int("connect-concurrency", 100));
      await joinAll(all);
      log(`connected ${all.length} members of ${rooms} rooms to ${serverUrls.join(", ")} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      Object.assign(ctx, { receivers: all, senders: all, sendersPerReceiver: members });
      if (warmup > 0) warmupPoint = await runPass(ctx, 0, "warm-up (discarded)", warmup, window);
      if (warmupPoint) printPoint(warmupPoint);
      const p = await runPass(ctx, 1, `${rooms}x${members}x${perMember}`, perMember, window);
      printPoint(p);
      points = [p];
    }
  } finally {
    for (const c of clients) c.close();
  }
  const correct = [...points, ...(warmupPoint ? [warmupPoint] : [])].every(
    (p) =>
      p.lost === 0 &&
      p.duplicates === 0 &&
      p.outOfOrder === 0 &&
      p.sendErrors === 0 &&
      p.seqBreaks === 0 &&
      p.strayDeliveries === 0,
  );
  const last = points[points.length - 1];
  const result = {
    peer: peer === "socketio" ? "socket.io" : "chatroom",
    generator: "node",
    scenario,
    startedAt: started.toISOString(),
    machine: { ...machine(), serverPids: ctx.serverPids, redisPid, archiverPids: ctx.archiverPids },
    options: opts,
    shape,
    points,
    warmup: warmupPoint,
    extra: { archiverCpuSeconds: last?.archiverCpuSeconds ?? null },
    correct,
  };
  const line = JSON.stringify(result);
  if (opts.results) {
    mkdirSync(opts.results, { recursive: true });
    const stamp = started.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const file = path.join(opts.results, `${peer}-node-${scenario}-${stamp}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
    log(`result: ${file}`);
  }
  process.stdout.write(line + "\n");
  if (!correct) log("INCORRECT: a delivery was lost, duplicated, reordered, stray or refused, or a seq broke (warm-up included)");
  // Sockets are closed; exit without waiting for their timers.
  setTimeout(() => process.exit(correct ? 0 : 1), 100);
}

main().catch((e) => {
  log(`load failed: ${e.message}`);
  process.exit(3);
});
