// The cluster dashboard: live chat servers from the coordinator, charts of the last 15 minutes
// from the apps' own meters (GET /api/metrics on the coordinator), and the archiver's lag, last
// backup and rooms, refreshed every few seconds. Each source fails on its own.

import { coordinator, loadArchiver } from './api.js';
import { ChartPanel, ColorBook } from './charts.js';
import { byId, el, formatTime, showMessage } from './dom.js';
import {
  chartRange,
  isReporting,
  Kind,
  MetricsStore,
  rateSeries,
  valueSeries,
} from './metrics.js';

const REFRESH_MS = 3000;

const view = {
  updated: byId('dashboard-updated'),
  serverCount: byId('server-count'),
  serversError: byId('servers-error'),
  serversBody: byId('servers-body'),
  serversEmpty: byId('servers-empty'),
  archiverState: byId('archiver-state'),
  archiverError: byId('archiver-error'),
  archiverLag: byId('archiver-lag'),
  archivedTotal: byId('archiver-archived-total'),
  lastBackup: byId('archiver-last-backup'),
  roomsBody: byId('rooms-body'),
  metricsError: byId('metrics-error'),
  metricsStopped: byId('metrics-stopped'),
  metricsStoppedList: byId('metrics-stopped-list'),
};

/** Seconds since an instant given as ISO-8601 text or epoch milliseconds; null if unreadable. */
function ageSeconds(instant, now = Date.now()) {
  const time = typeof instant === 'number' ? instant : Date.parse(instant);
  return Number.isNaN(time) ? null : Math.max(0, (now - time) / 1000);
}

function statusClass(status) {
  if (status === 'UP') {
    return 'status-up';
  }
  return status === 'DOWN' || status === 'OUT_OF_SERVICE' ? 'status-down' : 'status-other';
}

function serverRow(server) {
  const age = ageSeconds(server.lastHeartbeat);
  const status = String(server.status ?? 'UNKNOWN');
  return el('tr', { dataset: { testid: 'server-row', serverId: server.id, status } }, [
    el('td', { text: server.id, dataset: { testid: 'server-id' } }),
    el('td', { className: statusClass(status), text: status, dataset: { testid: 'server-status' } }),
    el('td', {
      className: 'number',
      text: server.connections ?? '–',
      dataset: { testid: 'server-connections' },
    }),
    el('td', {
      className: 'number',
      text: age === null ? '–' : `${age.toFixed(1)} s ago`,
      attrs: { title: String(server.lastHeartbeat ?? '') },
      dataset: { testid: 'server-heartbeat-age' },
    }),
    el('td', { text: server.wsUrl ?? '' }),
  ]);
}

async function refreshServers() {
  try {
    const servers = await coordinator.servers();
    const list = (Array.isArray(servers) ? servers : []).sort((a, b) =>
      String(a.id).localeCompare(String(b.id)),
    );
    view.serversBody.replaceChildren(...list.map(serverRow));
    view.serverCount.textContent = String(list.length);
    view.serversEmpty.hidden = list.length > 0;
    showMessage(view.serversError, '');
    return true;
  } catch (error) {
    showMessage(view.serversError, `Coordinator: ${error.detail ?? 'cannot be reached.'}`);
    return false;
  }
}

function backupText(backup) {
  if (!backup) {
    return 'none yet';
  }
  const verified = backup.verified ? 'verified' : 'NOT verified';
  return `${backup.name} at ${formatTime(backup.time)} (${verified})`;
}

function setArchiverState(up) {
  view.archiverState.dataset.state = up ? 'up' : 'down';
  view.archiverState.textContent = up ? '(up)' : '(down)';
  view.archiverState.className = up ? 'status-up' : 'status-down';
}

function roomRow(info) {
  return el('tr', { dataset: { testid: 'dashboard-room-row', room: info.room } }, [
    el('td', { text: info.room }),
    el('td', { className: 'number', text: info.messages ?? '–' }),
    el('td', { className: 'number', text: info.lastSeq ?? '–' }),
    el('td', { text: info.lastActivity ? formatTime(info.lastActivity) : '–' }),
  ]);
}

async function refreshArchiver(archiver) {
  if (archiver === null) {
    setArchiverState(false);
    showMessage(view.archiverError, 'No archiver configured (GET /api/config).');
    return;
  }
  try {
    const status = await archiver.status();
    view.archiverLag.textContent = String(status.lag ?? '–');
    view.archivedTotal.textContent = String(status.archivedTotal ?? '–');
    view.lastBackup.textContent = backupText(status.lastBackup);
    setArchiverState(true);
    showMessage(view.archiverError, '');
  } catch (error) {
    setArchiverState(false);
    showMessage(view.archiverError, `Archiver: ${error.detail ?? 'cannot be reached.'}`);
    return;
  }
  try {
    const rooms = await archiver.rooms();
    view.roomsBody.replaceChildren(...(Array.isArray(rooms) ? rooms : []).map(roomRow));
  } catch {
    // status answered, the room list did not: keep the last list
  }
}

// ---------- charts ----------

const perSecond = (value) => `${value < 10 ? value.toFixed(1) : Math.round(value)}/s`;
const millis = (value) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
const count = (value) => String(Math.round(value));

const chatChart = (id, format, axisTitle, line) => ({
  id,
  kind: Kind.CHAT,
  format,
  axes: { y: axisTitle },
  series: [line],
});

/**
 * What each chart draws from one source's samples (see docs/operations.md, "Dashboard"): rates
 * from counter totals, gauges as they are.
 */
const CHARTS = [
  chatChart('chart-messages', perSecond, 'messages/s', { rate: 'published' }),
  chatChart('chart-deliveries', perSecond, 'deliveries/s', { rate: 'forwarded' }),
  chatChart('chart-connections', count, 'connections', { value: 'connections' }),
  chatChart('chart-latency', millis, 'ms', { value: 'deliveryP99Ms' }),
  chatChart('chart-redis', millis, 'ms', { value: 'redisRttMs' }),
  {
    id: 'chart-archive',
    kind: Kind.ARCHIVER,
    format: count,
    axes: { y: 'messages behind', y1: 'archived/s' },
    series: [
      { value: 'lag', suffix: 'lag', axis: 'y' },
      { rate: 'archived', suffix: 'rate', axis: 'y1', dashed: true, format: perSecond },
    ],
  },
];

const store = new MetricsStore();
const colors = new ColorBook();
let panels = null;

function chartPanels() {
  if (panels === null) {
    panels = CHARTS.map((spec) => {
      const panel = new ChartPanel(byId(spec.id), { axes: spec.axes, format: spec.format });
      return { spec, panel };
    });
  }
  return panels;
}

function seriesOf(spec, source, reporting) {
  const gap = store.staleAfterMs;
  return spec.series.map((line) => ({
    key: line.suffix ? `${source.id} ${line.suffix}` : source.id,
    label: line.suffix ? `${source.id} ${line.suffix}` : source.id,
    color: colors.colorOf(source.id),
    points: line.rate
      ? rateSeries(source.samples, line.rate, gap)
      : valueSeries(source.samples, line.value, gap),
    axis: line.axis ?? 'y',
    dashed: line.dashed === true,
    format: line.format,
    reporting,
    lastSample: source.lastSample ?? source.samples.at(-1)?.time ?? store.now,
  }));
}

/** Says which apps stopped sending samples: their lines end there. */
function renderStopped(stopped) {
  const signature = stopped.map(({ kind, source }) => `${kind}/${source.id}@${source.lastSample}`);
  if (signature.join(',') === view.metricsStopped.dataset.signature) {
    return; // unchanged: a live region must not repeat itself every refresh
  }
  view.metricsStopped.dataset.signature = signature.join(',');
  view.metricsStoppedList.replaceChildren(
    ...stopped.map(({ kind, source }) =>
      el('li', {
        text:
          `${kind === Kind.CHAT ? 'Chat server' : 'Archiver'} ${source.id} has sent no data ` +
          `since ${formatTime(new Date(source.lastSample).toISOString())} (down or unreachable): ` +
          'its lines end there.',
        dataset: { testid: 'stopped-source', source: source.id },
      }),
    ),
  );
  view.metricsStopped.hidden = stopped.length === 0;
}

function renderCharts() {
  const stopped = [];
  const reporting = new Map();
  for (const kind of Object.values(Kind)) {
    for (const source of store.sources(kind)) {
      const ok = isReporting(source, store.now, store.staleAfterMs);
      reporting.set(`${kind}/${source.id}`, ok);
      if (!ok) {
        stopped.push({ kind, source });
      }
    }
  }
  const range = chartRange(store);
  for (const { spec, panel } of chartPanels()) {
    const series = store
      .sources(spec.kind)
      .flatMap((source) => seriesOf(spec, source, reporting.get(`${spec.kind}/${source.id}`)));
    panel.update(series, range);
  }
  renderStopped(stopped);
}

async function refreshMetrics() {
  try {
    store.apply(await coordinator.metrics(store.cursor));
    showMessage(
      view.metricsError,
      typeof globalThis.Chart === 'function'
        ? ''
        : 'Charts unavailable: Chart.js did not load. The latest values are listed below each chart.',
    );
  } catch (error) {
    showMessage(
      view.metricsError,
      `Metrics: ${error.detail ?? 'cannot be reached.'} The charts show the last data received.`,
    );
    return;
  }
  renderCharts();
}

async function start() {
  const archiver = await loadArchiver();
  const refresh = async () => {
    await Promise.all([refreshServers(), refreshArchiver(archiver), refreshMetrics()]);
    view.updated.textContent = `Updated ${formatTime(new Date().toISOString())}, every ${REFRESH_MS / 1000} s`;
    setTimeout(refresh, REFRESH_MS);
  };
  refresh();
}

start();
