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

/** {joined: [room...], active: room|null} so a reload re-enters the same rooms. */
export function loadRooms() {
  const rooms = read(ROOMS_KEY);
  return {
    joined: Array.isArray(rooms?.joined) ? rooms.joined.filter((r) => typeof r === 'string') : [],
    active: typeof rooms?.active === 'string' ? rooms.active : null,
  };
}

export function saveRooms(joined, active) {
  sessionStorage.setItem(ROOMS_KEY, JSON.stringify({ joined, active }));
}
