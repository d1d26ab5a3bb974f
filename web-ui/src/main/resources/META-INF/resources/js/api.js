// REST calls to the coordinator (same origin) and the archiver (cross-origin, may be down).
// Every failure becomes an ApiError whose `detail` is fit to show the user.

const REQUEST_TIMEOUT_MS = 10000;
const HISTORY_PAGE_SIZE = 50;

/** A failed call: status 0 means the service could not be reached at all. */
export class ApiError extends Error {
  constructor(status, detail, field = null, retryAfterSeconds = null) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The field a 400 problem names, as "field" or inside "errors" (array or object). */
function problemField(problem) {
  if (typeof problem.field === 'string') {
    return problem.field;
  }
  const errors = problem.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0];
    return typeof first === 'string' ? first : (first?.field ?? first?.name ?? null);
  }
  if (errors && typeof errors === 'object') {
    return Object.keys(errors)[0] ?? null;
  }
  return null;
}

async function problemOf(response, serviceName) {
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // not JSON: fall back to the status line
  }
  const detail =
    problem.detail || problem.title || `${serviceName} answered ${response.status}.`;
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return new ApiError(
    response.status,
    detail,
    problemField(problem),
    Number.isNaN(retryAfter) ? null : retryAfter,
  );
}

async function request(url, serviceName, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    throw new ApiError(0, `Cannot reach the ${serviceName}.`);
  }
  if (!response.ok) {
    throw await problemOf(response, serviceName);
  }
  if (response.status === 204) {
    return null;
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError(response.status, `The ${serviceName} sent an unreadable answer.`);
  }
}

const COORDINATOR = 'coordinator';

/** The coordinator's REST API, on the page's own origin. */
export const coordinator = {
  register: (username, password) =>
    request('/api/auth/register', COORDINATOR, { method: 'POST', body: { username, password } }),
  login: (username, password) =>
    request('/api/auth/login', COORDINATOR, { method: 'POST', body: { username, password } }),
  logout: (token) => request('/api/auth/logout', COORDINATOR, { method: 'POST', token }),
  chatServer: (token, excludeId) =>
    request(
      excludeId
        ? `/api/chat-server?exclude=${encodeURIComponent(excludeId)}`
        : '/api/chat-server',
      COORDINATOR,
      { token },
    ),
  servers: () => request('/api/servers', COORDINATOR),
  /** The dashboard's samples written after `since` (the previous answer's `now`; 0: all). */
  metrics: (since = 0) =>
    request(since > 0 ? `/api/metrics?since=${since}` : '/api/metrics', COORDINATOR),
  config: () => request('/api/config', COORDINATOR),
};

const ARCHIVER = 'archiver';

/** The archiver's REST API at `baseUrl` (from /api/config); every call may fail when it is down. */
export function archiverApi(baseUrl) {
  const base = String(baseUrl).replace(/\/+$/, '');
  const roomPath = (room) => `${base}/api/rooms/${encodeURIComponent(room)}/messages`;
  return {
    rooms: () => request(`${base}/api/rooms`, ARCHIVER),
    messagesBefore: (room, beforeSeq, limit = HISTORY_PAGE_SIZE) =>
      request(`${roomPath(room)}?beforeSeq=${beforeSeq}&limit=${limit}`, ARCHIVER),
    messagesAfter: (room, afterSeq, limit = HISTORY_PAGE_SIZE) =>
      request(`${roomPath(room)}?afterSeq=${afterSeq}&limit=${limit}`, ARCHIVER),
    status: () => request(`${base}/api/archive/status`, ARCHIVER),
  };
}

/** Loads the archiver's URL; null when the coordinator does not say (archiver features off). */
export async function loadArchiver() {
  try {
    const config = await coordinator.config();
    return config && config.archiverUrl ? archiverApi(config.archiverUrl) : null;
  } catch {
    return null;
  }
}
