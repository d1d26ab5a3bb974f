// The chat page: login/register, rooms, messages, composer, presence, connection state.
// State lives in `state`; rendering reads it; the STOMP connection lives in connection.js.

import { ApiError, coordinator, loadArchiver } from './api.js';
import { ChatConnection, ConnectionState } from './connection.js';
import { byId, replaceKeepingFocus, setVisible, showMessage } from './dom.js';
import { GapFill, GapFillState } from './gapfill.js';
import {
  errorText,
  joinedRoomElement,
  messageElement,
  pendingElement,
  presenceElement,
  roomListElement,
  unreadDividerElement,
} from './render.js';
import {
  checkMessageText,
  codePointLength,
  newClientMessageId,
  passwordProblem,
  roomNameProblem,
  ROOM_PATTERN,
  TEXT_MAX_CODE_POINTS,
  usernameProblem,
} from './rules.js';
import { clearSession, loadRooms, loadSession, saveRooms, saveSession } from './session.js';
import { RoomTimeline } from './timeline.js';
import { firstUnreadSeq, markRead, readMarkOf, titleWithUnread, unreadCount } from './unread.js';

const HISTORY_ON_ENTRY = 50;
// New rooms show up within a few seconds, without a click (polling the archiver's room list,
// which reads one small summary table; paused while the tab is hidden).
const ROOM_LIST_REFRESH_MS = 3000;
const NEAR_EDGE_PX = 48;
const OLDER_RETRY_COOLDOWN_MS = 5000;
const COUNTDOWN_TICK_MS = 250;
const FILL_CHECK_DELAY_MS = 200;
const BASE_TITLE = document.title;

const view = {
  body: document.body,
  connectionState: byId('connection-state'),
  userBox: byId('user-box'),
  currentUser: byId('current-user'),
  logoutButton: byId('logout-button'),
  authView: byId('auth-view'),
  authMessage: byId('auth-message'),
  loginForm: byId('login-form'),
  loginUsername: byId('login-username'),
  loginPassword: byId('login-password'),
  loginError: byId('login-error'),
  loginButton: byId('login-button'),
  registerForm: byId('register-form'),
  registerUsername: byId('register-username'),
  registerPassword: byId('register-password'),
  registerError: byId('register-error'),
  registerButton: byId('register-button'),
  chatView: byId('chat-view'),
  joinForm: byId('join-form'),
  roomInput: byId('room-input'),
  roomError: byId('room-error'),
  joinedRooms: byId('joined-rooms'),
  refreshRoomsButton: byId('refresh-rooms-button'),
  roomListStatus: byId('room-list-status'),
  roomList: byId('room-list'),
  roomTitle: byId('room-title'),
  leaveRoomButton: byId('leave-room-button'),
  gapStatus: byId('gap-status'),
  messageScroll: byId('message-scroll'),
  historyStatus: byId('history-status'),
  loadOlderButton: byId('load-older-button'),
  messageList: byId('message-list'),
  pendingList: byId('pending-list'),
  newMessagesMarker: byId('new-messages-marker'),
  composerForm: byId('composer-form'),
  composerInput: byId('composer-input'),
  sendButton: byId('send-button'),
  composerCounter: byId('composer-counter'),
  composerError: byId('composer-error'),
  presenceCount: byId('presence-count'),
  presenceList: byId('presence-list'),
};

/**
 * The page's whole state. rooms: room -> {timeline, gapFill, users, readSeq, unread, loadingOlder,
 * olderRetryAt, olderNote} (readSeq: the highest seq the user has seen there; unread: the seqs
 * above it up to the highest held, less the own ones held, see unread.js); active: the room on screen; connection: the live ChatConnection while logged
 * in; roomListSignature: what the room list shows, so an unchanged list is not redrawn.
 */
const state = {
  session: null,
  connection: null,
  archiver: null,
  archiverReady: null,
  rooms: new Map(),
  active: null,
  roomListTimer: null,
  roomListSignature: null,
  roomListLoading: false,
  countdownTimer: null,
  fillTimer: null,
};

// ---------- views ----------

function showAuth(message = '') {
  view.body.dataset.view = 'auth';
  setVisible(view.chatView, false);
  setVisible(view.userBox, false);
  setVisible(view.authView, true);
  showMessage(view.authMessage, message);
  showMessage(view.loginError, '');
  showMessage(view.registerError, '');
  view.loginPassword.value = '';
  view.registerPassword.value = '';
  view.loginUsername.focus();
}

function showChat() {
  view.body.dataset.view = 'chat';
  setVisible(view.authView, false);
  setVisible(view.chatView, true);
  setVisible(view.userBox, true);
  view.currentUser.textContent = state.session.username;
}

// ---------- connection state ----------

function renderConnectionState({ state: connectionState, server, retryAt, reason }) {
  clearInterval(state.countdownTimer);
  state.countdownTimer = null;
  const indicator = view.connectionState;
  const serverId = server?.id ?? '';
  indicator.dataset.serverId = serverId;
  indicator.title = reason ?? '';
  const offline = !navigator.onLine && connectionState !== ConnectionState.CONNECTED;
  indicator.dataset.state = offline ? ConnectionState.OFFLINE : connectionState;
  switch (connectionState) {
    case ConnectionState.CONNECTED:
      indicator.textContent = `Connected to server ${serverId}`;
      break;
    case ConnectionState.CONNECTING:
      indicator.textContent = serverId ? `Connecting to server ${serverId}…` : 'Connecting…';
      break;
    case ConnectionState.RECONNECTING: {
      const tick = () => {
        const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
        const prefix = offline ? 'Offline, reconnecting' : 'Reconnecting';
        indicator.textContent = `${prefix} in ${seconds} s`;
      };
      tick();
      state.countdownTimer = setInterval(tick, COUNTDOWN_TICK_MS);
      break;
    }
    default:
      indicator.textContent = 'Offline';
  }
  updateComposerEnabled();
}

// ---------- auth ----------

function formBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
}

async function logIn(username, password, errorElement) {
  const login = await coordinator.login(username, password);
  const session = {
    token: login.token,
    username: login.username,
    expiresAt: login.expiresAt,
    chatServer: login.chatServer,
  };
  saveSession(session);
  showMessage(errorElement, '');
  enterChat(session);
}

function problemText(error) {
  if (error instanceof ApiError) {
    if (error.status === 429 && error.retryAfterSeconds) {
      return `${error.detail} Try again in ${error.retryAfterSeconds} s.`;
    }
    return error.detail;
  }
  return 'Something went wrong.';
}

async function onLoginSubmit(event) {
  event.preventDefault();
  const username = view.loginUsername.value.trim();
  const password = view.loginPassword.value;
  if (!username || !password) {
    showMessage(view.loginError, 'Enter your username and password.');
    return;
  }
  formBusy(view.loginButton, true);
  try {
    await logIn(username, password, view.loginError);
  } catch (error) {
    showMessage(view.loginError, problemText(error));
  } finally {
    formBusy(view.loginButton, false);
  }
}

async function onRegisterSubmit(event) {
  event.preventDefault();
  const username = view.registerUsername.value.trim();
  const password = view.registerPassword.value;
  const problem = usernameProblem(username) ?? passwordProblem(password);
  if (problem) {
    showMessage(view.registerError, problem);
    return;
  }
  formBusy(view.registerButton, true);
  try {
    await coordinator.register(username, password);
    await logIn(username, password, view.registerError);
  } catch (error) {
    const field = error instanceof ApiError && error.field ? ` (${error.field})` : '';
    showMessage(view.registerError, problemText(error) + field);
  } finally {
    formBusy(view.registerButton, false);
  }
}

async function onLogout() {
  const session = state.session;
  if (!session) {
    return;
  }
  formBusy(view.logoutButton, true);
  // Close our socket first so the server's own close after the revocation is not taken for a
  // failure to recover from.
  state.connection?.stop();
  let note = 'You have logged out.';
  try {
    await coordinator.logout(session.token);
  } catch (error) {
    note = `Logged out here, but the server could not be told: ${problemText(error)}`;
  } finally {
    formBusy(view.logoutButton, false);
  }
  endSession(note);
}

/** Disconnects, forgets the token and every room, and returns to the login screen. */
function endSession(message) {
  state.connection?.stop();
  state.connection = null;
  state.session = null;
  for (const roomState of state.rooms.values()) {
    roomState.gapFill.stop();
  }
  state.rooms.clear();
  state.active = null;
  clearInterval(state.roomListTimer);
  clearTimeout(state.fillTimer);
  state.roomListTimer = null;
  state.roomListSignature = null;
  clearSession();
  document.title = BASE_TITLE;
  view.messageList.replaceChildren();
  view.pendingList.replaceChildren();
  view.joinedRooms.replaceChildren();
  view.presenceList.replaceChildren();
  renderActiveRoom();
  showAuth(message);
}

// ---------- session and connection ----------

function enterChat(session) {
  state.session = session;
  showChat();
  const connection = new ChatConnection(session.token, {
    onState: renderConnectionState,
    onConnected,
    onMessage,
    onPresence,
    onAck,
    onError: onServerError,
    onSessionInvalid: (detail) => {
      if (state.connection === connection) {
        endSession(`Your session has ended: ${detail}`);
      }
    },
    subscribeHeaders,
    findServer: (excludeId) => coordinator.chatServer(session.token, excludeId),
  });
  state.connection = connection;
  const saved = loadRooms();
  for (const room of saved.joined) {
    if (ROOM_PATTERN.test(room)) {
      joinRoom(room, false, readMarkOf(saved.read[room]));
    }
  }
  if (saved.active && state.rooms.has(saved.active)) {
    activateRoom(saved.active);
  } else {
    renderActiveRoom();
  }
  state.connection.start(session.chatServer);
  refreshRoomList();
  state.roomListTimer = setInterval(() => {
    if (!document.hidden) {
      refreshRoomList();
    }
  }, ROOM_LIST_REFRESH_MS);
  if (!state.active) {
    view.roomInput.focus();
  }
}

/** First entry: recent history; after a reconnect: everything after the highest seq we hold. */
function subscribeHeaders(room) {
  const highest = state.rooms.get(room)?.timeline.highestSeq ?? 0;
  return highest > 0 ? { 'resume-after': String(highest) } : { history: String(HISTORY_ON_ENTRY) };
}

function onConnected(server) {
  if (state.session) {
    state.session.chatServer = server;
    saveSession(state.session);
  }
  // Same clientMessageId as before: the server acks a duplicate with the original seq.
  for (const [room, roomState] of state.rooms) {
    for (const pending of roomState.timeline.unsentPending()) {
      state.connection.send(room, pending.clientMessageId, pending.text);
    }
  }
}

// ---------- rooms ----------

/** Joins a room (shown unless `activate` is false); `readSeq`: what was seen there before. */
function joinRoom(room, activate = true, readSeq = 0) {
  if (!state.rooms.has(room)) {
    const timeline = new RoomTimeline(room, state.session.username);
    state.rooms.set(room, {
      timeline,
      gapFill: newGapFill(room, timeline),
      users: [],
      readSeq,
      unread: 0,
      loadingOlder: false,
      olderRetryAt: 0,
      olderNote: '',
    });
    state.connection.join(room);
  }
  if (activate) {
    activateRoom(room);
  } else {
    renderJoinedRooms();
  }
  persistRooms();
}

function leaveRoom(room) {
  if (!state.rooms.has(room)) {
    return;
  }
  state.connection.leave(room);
  state.rooms.get(room).gapFill.stop();
  state.rooms.delete(room);
  if (state.active === room) {
    const next = state.rooms.keys().next();
    state.active = null;
    if (!next.done) {
      activateRoom(next.value);
    } else {
      renderActiveRoom();
    }
  }
  renderJoinedRooms();
  persistRooms();
}

function persistRooms() {
  const readMarks = Object.fromEntries(
    [...state.rooms].map(([room, roomState]) => [room, roomState.readSeq]),
  );
  saveRooms([...state.rooms.keys()], state.active, readMarks);
}

/**
 * Shows a room. Coming back to messages that arrived meanwhile, the "New messages" divider goes
 * above the first of them and the view starts there; then everything the room holds counts as seen.
 */
function activateRoom(room) {
  state.active = room;
  const roomState = state.rooms.get(room);
  const firstUnread = firstUnreadSeq(roomState.timeline, roomState.readSeq);
  renderActiveRoom();
  if (firstUnread === null) {
    scrollToBottom();
  } else {
    showUnreadDivider(roomState.readSeq, firstUnread);
  }
  markActiveRoomRead();
  renderJoinedRooms();
  view.composerInput.focus({ preventScroll: true });
}

function showUnreadDivider(readSeq, firstUnread) {
  const first = view.messageList.querySelector(`li[data-seq="${firstUnread}"]`);
  if (first === null) {
    scrollToBottom();
    return;
  }
  const divider = unreadDividerElement(readSeq);
  view.messageList.insertBefore(divider, first);
  divider.scrollIntoView({ block: 'center' });
  if (isAtBottom()) {
    setVisible(view.newMessagesMarker, false);
  }
}

/** The shown room's messages are all seen: its read mark moves up and its count goes to 0. */
function markActiveRoomRead() {
  const roomState = state.rooms.get(state.active);
  if (!roomState) {
    return;
  }
  const readSeq = markRead(roomState.timeline, roomState.readSeq);
  const changed = readSeq !== roomState.readSeq || roomState.unread !== 0;
  roomState.readSeq = readSeq;
  roomState.unread = 0;
  if (changed) {
    persistRooms();
  }
}

/** A room not on screen got messages: recount its unread ones. */
function recountUnread(room) {
  const roomState = state.rooms.get(room);
  const unread = unreadCount(roomState.timeline, roomState.readSeq);
  if (unread !== roomState.unread) {
    roomState.unread = unread;
    renderJoinedRooms();
  }
}

function onJoinSubmit(event) {
  event.preventDefault();
  const room = view.roomInput.value.trim();
  const problem = roomNameProblem(room);
  view.roomInput.setAttribute('aria-invalid', problem ? 'true' : 'false');
  showMessage(view.roomError, problem);
  if (problem) {
    view.roomInput.focus();
    return;
  }
  view.roomInput.value = '';
  joinRoom(room);
}

async function archiver() {
  if (state.archiverReady === null) {
    state.archiverReady = loadArchiver().then((api) => {
      state.archiver = api;
      return api;
    });
  }
  return state.archiverReady;
}

async function refreshRoomList() {
  if (state.roomListLoading) {
    return; // a slow archiver: one request at a time
  }
  state.roomListLoading = true;
  try {
    await loadRoomList();
  } finally {
    state.roomListLoading = false;
  }
}

async function loadRoomList() {
  const api = await archiver();
  if (!state.session) {
    return;
  }
  if (api === null) {
    view.roomListStatus.textContent = 'Room list unavailable: no archiver configured.';
    return;
  }
  try {
    const rooms = await api.rooms();
    const valid = (Array.isArray(rooms) ? rooms : [])
      .filter((info) => typeof info?.room === 'string' && ROOM_PATTERN.test(info.room))
      .sort((a, b) => String(b.lastActivity ?? '').localeCompare(String(a.lastActivity ?? '')));
    const signature = JSON.stringify(valid.map((info) => [info.room, info.messages]));
    if (signature !== state.roomListSignature) {
      state.roomListSignature = signature;
      replaceKeepingFocus(view.roomList, valid.map((info) => roomListElement(info, joinRoom)));
    }
    view.roomListStatus.textContent = valid.length === 0 ? 'No rooms yet: create one above.' : '';
  } catch {
    view.roomListStatus.textContent =
      'Room list unavailable: the archiver cannot be reached. You can still join by name.';
  }
}

// ---------- rendering ----------

function renderJoinedRooms() {
  replaceKeepingFocus(
    view.joinedRooms,
    [...state.rooms].map(([room, roomState]) =>
      joinedRoomElement(room, roomState.unread, room === state.active, activateRoom),
    ),
  );
  let total = 0;
  for (const roomState of state.rooms.values()) {
    total += roomState.unread;
  }
  document.title = titleWithUnread(BASE_TITLE, total);
}

const pendingActions = {
  retry(clientMessageId) {
    const timeline = state.rooms.get(state.active)?.timeline;
    const pending = timeline?.retry(clientMessageId);
    if (pending) {
      upsertPending(pending);
      state.connection.send(state.active, pending.clientMessageId, pending.text);
    }
  },
  discard(clientMessageId) {
    state.rooms.get(state.active)?.timeline.discard(clientMessageId);
    removePending(clientMessageId);
  },
};

function renderActiveRoom() {
  const roomState = state.rooms.get(state.active);
  setVisible(view.leaveRoomButton, Boolean(roomState));
  setVisible(view.newMessagesMarker, false);
  showMessage(view.composerError, '');
  if (!roomState) {
    view.roomTitle.textContent = 'No room yet';
    view.messageList.replaceChildren();
    view.pendingList.replaceChildren();
    view.presenceList.replaceChildren();
    view.presenceCount.textContent = '0';
    view.historyStatus.textContent = 'Join a room to start chatting.';
    setVisible(view.loadOlderButton, false);
    renderGapStatus();
    updateComposerEnabled();
    return;
  }
  view.roomTitle.textContent = `#${state.active}`;
  view.messageList.replaceChildren(...roomState.timeline.messages().map(messageElement));
  view.pendingList.replaceChildren(
    ...roomState.timeline
      .visiblePending()
      .map((pending) => pendingElement(pending, state.session.username, pendingActions)),
  );
  renderPresence();
  renderHistoryStatus();
  renderGapStatus();
  updateComposerEnabled();
}

function renderHistoryStatus() {
  const roomState = state.rooms.get(state.active);
  if (!roomState) {
    return;
  }
  const timeline = roomState.timeline;
  let text;
  if (roomState.loadingOlder) {
    text = 'Loading older messages…';
  } else if (timeline.size === 0) {
    text = 'No messages yet. Say hello!';
  } else if (timeline.lowestSeq === 1 || timeline.reachedStart) {
    text = 'This is the start of the room.';
  } else {
    text = roomState.olderNote;
  }
  view.historyStatus.textContent = text;
  const more = timeline.size > 0 && timeline.lowestSeq > 1 && !timeline.reachedStart;
  setVisible(view.loadOlderButton, more && !roomState.loadingOlder && state.archiver !== null);
}

/** #gap-status: whether messages missed while away are still being loaded into the shown room. */
function renderGapStatus() {
  const roomState = state.rooms.get(state.active);
  const { state: fillState, error } = roomState?.gapFill.status ?? { state: GapFillState.IDLE };
  const missing = roomState?.timeline.missingCount ?? 0;
  const filling = fillState !== GapFillState.IDLE && missing > 0;
  setVisible(view.gapStatus, filling);
  view.messageList.setAttribute('aria-busy', filling ? 'true' : 'false');
  if (!filling) {
    view.gapStatus.textContent = '';
    view.gapStatus.dataset.state = GapFillState.IDLE;
    view.gapStatus.dataset.missing = '0';
    return;
  }
  const count = `${missing.toLocaleString()} missed message${missing === 1 ? '' : 's'}`;
  let text;
  if (fillState === GapFillState.WAITING) {
    text = `${count} not in the archive yet; retrying automatically…`;
  } else if (fillState === GapFillState.FAILED) {
    text = `Cannot load ${count}: ${problemText(error)} Retrying automatically…`;
  } else {
    text = `Loading ${count} from the archive…`;
  }
  view.gapStatus.textContent = text;
  view.gapStatus.dataset.state = fillState;
  view.gapStatus.dataset.missing = String(missing);
}

function renderPresence() {
  const roomState = state.rooms.get(state.active);
  const users = roomState?.users ?? [];
  view.presenceCount.textContent = String(users.length);
  view.presenceList.replaceChildren(
    ...users.map((user) => presenceElement(user, state.session?.username)),
  );
}

function insertMessageElement(entry, nextSeq) {
  const element = messageElement(entry);
  let next =
    nextSeq === null ? null : view.messageList.querySelector(`li[data-seq="${nextSeq}"]`);
  // A message the user had already seen goes above the "New messages" divider.
  const before = next === null ? view.messageList.lastElementChild : next.previousElementSibling;
  if (before?.dataset.testid === 'unread-divider' && entry.seq <= Number(before.dataset.afterSeq)) {
    next = before;
  }
  view.messageList.insertBefore(element, next);
}

function replaceMessageElement(entry) {
  const existing = view.messageList.querySelector(`li[data-seq="${entry.seq}"]`);
  existing?.replaceWith(messageElement(entry));
}

function pendingSelector(clientMessageId) {
  return `li[data-client-message-id="${CSS.escape(clientMessageId)}"]`;
}

function upsertPending(pending) {
  const element = pendingElement(pending, state.session.username, pendingActions);
  const existing = view.pendingList.querySelector(pendingSelector(pending.clientMessageId));
  if (existing) {
    existing.replaceWith(element);
  } else {
    view.pendingList.append(element);
  }
}

function removePending(clientMessageId) {
  view.pendingList.querySelector(pendingSelector(clientMessageId))?.remove();
}

function updateComposerEnabled() {
  const enabled = Boolean(state.active) && Boolean(state.session);
  view.composerInput.disabled = !enabled;
  view.sendButton.disabled = !enabled;
}

// ---------- scrolling ----------

function isAtBottom() {
  const scroller = view.messageScroll;
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= NEAR_EDGE_PX;
}

function scrollToBottom() {
  view.messageScroll.scrollTop = view.messageScroll.scrollHeight;
  setVisible(view.newMessagesMarker, false);
}

function onScroll() {
  if (isAtBottom()) {
    setVisible(view.newMessagesMarker, false);
  }
  if (view.messageScroll.scrollTop <= NEAR_EDGE_PX) {
    loadOlder();
  }
}

/** When the messages do not fill the view there is no scroll to the top: load older ones now. */
function scheduleFillCheck() {
  clearTimeout(state.fillTimer);
  state.fillTimer = setTimeout(() => {
    const scroller = view.messageScroll;
    if (state.active && scroller.scrollHeight <= scroller.clientHeight) {
      loadOlder();
    }
  }, FILL_CHECK_DELAY_MS);
}

async function loadOlder() {
  const room = state.active;
  const roomState = state.rooms.get(room);
  if (!roomState || roomState.loadingOlder || Date.now() < roomState.olderRetryAt) {
    return;
  }
  const timeline = roomState.timeline;
  const lowest = timeline.lowestSeq;
  if (lowest <= 1 || timeline.reachedStart) {
    return;
  }
  const api = await archiver();
  if (api === null) {
    roomState.olderNote = 'Older history unavailable: no archiver configured.';
    roomState.olderRetryAt = Date.now() + OLDER_RETRY_COOLDOWN_MS;
    renderHistoryStatus();
    return;
  }
  roomState.loadingOlder = true;
  renderHistoryStatus();
  try {
    const older = await api.messagesBefore(room, lowest);
    const messages = Array.isArray(older) ? older : [];
    const scroller = view.messageScroll;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    for (const message of messages) {
      const added = timeline.addMessage(message, false);
      if (added && state.active === room) {
        insertMessageElement(added.entry, added.nextSeq);
      }
    }
    if (state.active === room) {
      scroller.scrollTop = scroller.scrollHeight - fromBottom; // keep what the user was reading
    }
    roomState.gapFill.start(); // an archive that lags may leave a hole inside what it returned
    if (messages.length === 0) {
      // The archiver may lag behind the chat servers: try again later rather than give up.
      roomState.olderNote = 'Older messages are not in the archive yet.';
      roomState.olderRetryAt = Date.now() + OLDER_RETRY_COOLDOWN_MS;
    } else {
      roomState.olderNote = '';
    }
  } catch (error) {
    roomState.olderNote = `Older history unavailable: ${problemText(error)}`;
    roomState.olderRetryAt = Date.now() + OLDER_RETRY_COOLDOWN_MS;
  } finally {
    roomState.loadingOlder = false;
    if (state.active === room) {
      renderHistoryStatus();
    }
  }
}

/**
 * Fills what a room's timeline misses (offline longer than the chat server's recent window) from
 * the archiver, page by page, retrying while the archiver has not archived it yet.
 */
function newGapFill(room, timeline) {
  return new GapFill(timeline, {
    fetchAfter: async (afterSeq, limit) => {
      const api = await archiver();
      if (api === null) {
        throw new ApiError(0, 'No archiver is configured.');
      }
      return api.messagesAfter(room, afterSeq, limit);
    },
    onMessages: (messages) => addArchived(room, messages),
    onStatus: () => {
      if (state.active === room) {
        renderGapStatus();
      }
    },
  });
}

/** Adds history from the archiver in place; returns how many seqs were new. */
function addArchived(room, messages) {
  const roomState = state.rooms.get(room);
  if (!roomState) {
    return 0;
  }
  const onScreen = state.active === room;
  const wasAtBottom = onScreen && isAtBottom();
  let count = 0;
  for (const message of messages) {
    const added = roomState.timeline.addMessage(message, false);
    if (added === null) {
      continue;
    }
    count++;
    if (onScreen) {
      insertMessageElement(added.entry, added.nextSeq);
    }
  }
  if (onScreen && count > 0) {
    if (wasAtBottom) {
      scrollToBottom();
    }
    renderHistoryStatus();
    markActiveRoomRead();
  } else if (count > 0) {
    recountUnread(room);
  }
  return count;
}

// ---------- incoming frames ----------

function onMessage(room, message) {
  const roomState = state.rooms.get(room);
  if (!roomState || (message.room && message.room !== room)) {
    return;
  }
  const onScreen = state.active === room;
  const wasAtBottom = onScreen && isAtBottom();
  const added = roomState.timeline.addMessage(message, true);
  if (added === null) {
    return; // a seq we already show
  }
  if (onScreen) {
    insertMessageElement(added.entry, added.nextSeq);
    if (added.removedPending) {
      removePending(added.removedPending);
    }
    if (wasAtBottom || added.entry.own) {
      scrollToBottom();
    } else {
      setVisible(view.newMessagesMarker, true);
    }
    renderHistoryStatus();
    scheduleFillCheck();
    markActiveRoomRead();
  } else {
    recountUnread(room);
  }
  if (added.gap) {
    roomState.gapFill.start();
  }
}

function roomOfPending(clientMessageId) {
  for (const [room, roomState] of state.rooms) {
    if (roomState.timeline.pending.has(clientMessageId)) {
      return room;
    }
  }
  return null;
}

function onAck(ack) {
  const room = roomOfPending(ack?.clientMessageId);
  if (room === null) {
    return; // a repeated ack after a re-send
  }
  const timeline = state.rooms.get(room).timeline;
  const result = timeline.ack(ack.clientMessageId, ack.seq);
  if (result === null || state.active !== room) {
    return;
  }
  if (result.updatedPending) {
    upsertPending(result.updatedPending);
  } else {
    if (result.removedPending) {
      removePending(result.removedPending);
    }
    const entry = timeline.bySeq.get(ack.seq);
    if (entry) {
      replaceMessageElement(entry);
    }
  }
}

function onServerError(error) {
  const room = roomOfPending(error?.clientMessageId);
  if (room !== null) {
    const pending = state.rooms.get(room).timeline.fail(error.clientMessageId, error.code, error.message);
    if (pending && state.active === room) {
      upsertPending(pending);
    }
    if (error.code === 'rate_limited' && state.active === room) {
      showMessage(view.composerError, errorText(error));
    }
    return;
  }
  showMessage(view.composerError, errorText(error));
}

function onPresence(room, presence) {
  const roomState = state.rooms.get(room);
  if (!roomState || !Array.isArray(presence?.users)) {
    return;
  }
  roomState.users = [...new Set(presence.users.map(String))].sort((a, b) => a.localeCompare(b));
  if (state.active === room) {
    renderPresence();
  }
}

// ---------- composer ----------

function updateCounter() {
  const length = codePointLength(view.composerInput.value.trim());
  view.composerCounter.textContent = `${length} / ${TEXT_MAX_CODE_POINTS}`;
  view.composerCounter.classList.toggle('over-limit', length > TEXT_MAX_CODE_POINTS);
}

function onComposerKeydown(event) {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    view.composerForm.requestSubmit();
  }
}

function onComposerSubmit(event) {
  event.preventDefault();
  const room = state.active;
  const roomState = state.rooms.get(room);
  if (!roomState) {
    showMessage(view.composerError, 'Join a room first.');
    return;
  }
  const { text, problem } = checkMessageText(view.composerInput.value);
  if (problem) {
    showMessage(view.composerError, problem);
    return;
  }
  showMessage(view.composerError, '');
  const clientMessageId = newClientMessageId();
  const pending = roomState.timeline.addPending(clientMessageId, text);
  upsertPending(pending);
  view.composerInput.value = '';
  updateCounter();
  scrollToBottom();
  // Not connected: it stays pending and goes out on the next connect.
  state.connection.send(room, clientMessageId, text);
}

// ---------- start ----------

function wireEvents() {
  view.loginForm.addEventListener('submit', onLoginSubmit);
  view.registerForm.addEventListener('submit', onRegisterSubmit);
  view.logoutButton.addEventListener('click', onLogout);
  view.joinForm.addEventListener('submit', onJoinSubmit);
  view.roomInput.addEventListener('input', () => {
    view.roomInput.removeAttribute('aria-invalid');
    showMessage(view.roomError, '');
  });
  view.refreshRoomsButton.addEventListener('click', refreshRoomList);
  view.leaveRoomButton.addEventListener('click', () => leaveRoom(state.active));
  view.messageScroll.addEventListener('scroll', onScroll, { passive: true });
  view.loadOlderButton.addEventListener('click', () => {
    const roomState = state.rooms.get(state.active);
    if (roomState) {
      roomState.olderRetryAt = 0;
    }
    loadOlder();
  });
  view.newMessagesMarker.addEventListener('click', scrollToBottom);
  view.composerForm.addEventListener('submit', onComposerSubmit);
  view.composerInput.addEventListener('keydown', onComposerKeydown);
  view.composerInput.addEventListener('input', () => {
    updateCounter();
    showMessage(view.composerError, '');
  });
  window.addEventListener('online', () => {
    state.connection?.retryNow();
    for (const roomState of state.rooms.values()) {
      roomState.gapFill.retryNow();
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.session) {
      refreshRoomList();
    }
  });
  window.addEventListener('offline', () => {
    if (state.connection && !state.connection.connected) {
      view.connectionState.dataset.state = ConnectionState.OFFLINE;
    }
  });
}

function start() {
  wireEvents();
  archiver();
  const session = loadSession();
  if (session && session.chatServer) {
    enterChat(session);
  } else {
    clearSession();
    showAuth();
  }
}

start();
