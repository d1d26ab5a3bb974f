// The cluster dashboard: live chat servers from the coordinator and the archiver's lag, last
// backup and rooms, refreshed every few seconds. Each source fails on its own.

import { coordinator, loadArchiver } from './api.js';
import { byId, el, formatTime, showMessage } from './dom.js';

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

async function start() {
  const archiver = await loadArchiver();
  const refresh = async () => {
    await Promise.all([refreshServers(), refreshArchiver(archiver)]);
    view.updated.textContent = `Updated ${formatTime(new Date().toISOString())}, every ${REFRESH_MS / 1000} s`;
    setTimeout(refresh, REFRESH_MS);
  };
  refresh();
}

start();
