// The login session in sessionStorage (per tab, gone when the tab closes; never localStorage).
// The token is never logged.

const SESSION_KEY = 'chatroom.session';
const ROOMS_KEY = 'chatroom.rooms';

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

/** {token, username, expiresAt, chatServer} or null. */
export function loadSession() {
  const session = read(SESSION_KEY);
  if (!session || typeof session.token !== 'string' || typeof session.username !== 'string') {
    return null;
  }
  const expiresAt = Date.parse(session.expiresAt);
  if (!Number.isNaN(expiresAt) && expiresAt <= Date.now()) {
    clearSession();
    return null;
  }
  return session;
}

export function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(ROOMS_KEY);
}

/**
 * {joined: [room...], active: room|null, read: {room: seq}} so a reload re-enters the same rooms
 * and still knows which of their messages were seen (read marks).
 */
export function loadRooms() {
  const rooms = read(ROOMS_KEY);
  const marks = rooms?.read && typeof rooms.read === 'object' ? rooms.read : {};
  return {
    joined: Array.isArray(rooms?.joined) ? rooms.joined.filter((r) => typeof r === 'string') : [],
    active: typeof rooms?.active === 'string' ? rooms.active : null,
    read: marks,
  };
}

export function saveRooms(joined, active, readMarks = {}) {
  sessionStorage.setItem(ROOMS_KEY, JSON.stringify({ joined, active, read: readMarks }));
}
