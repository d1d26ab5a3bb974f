// Pure validation and timing rules shared by the chat page and its unit tests (no DOM, no network).

/** Room names, exactly as the contract says. */
export const ROOM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const ROOM_MAX_LENGTH = 64;
/** Message text limit, in Unicode code points after trimming. */
export const TEXT_MAX_CODE_POINTS = 2000;
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Returns null when the room name is valid, otherwise the reason to show the user. */
export function roomNameProblem(name) {
  if (name === '') {
    return 'Enter a room name.';
  }
  if (name.length > ROOM_MAX_LENGTH) {
    return `A room name has at most ${ROOM_MAX_LENGTH} characters.`;
  }
  if (!/^[a-z0-9]/.test(name)) {
    return 'A room name must start with a lowercase letter or a digit.';
  }
  if (!ROOM_PATTERN.test(name)) {
    return 'Use only lowercase letters, digits, "-" and "_".';
  }
  return null;
}

/** Counts Unicode code points, so an emoji counts once (as the server does). */
export function codePointLength(text) {
  let count = 0;
  for (const _ of text) {
    count++;
  }
  return count;
}

/**
 * Checks composer text before sending. Returns {text, problem}: text is the trimmed text to send,
 * problem is null or the reason to show.
 */
export function checkMessageText(raw) {
  const text = raw.trim();
  if (text === '') {
    return { text, problem: 'Type a message first.' };
  }
  const length = codePointLength(text);
  if (length > TEXT_MAX_CODE_POINTS) {
    return {
      text,
      problem: `Message too long: ${length} characters, the limit is ${TEXT_MAX_CODE_POINTS}.`,
    };
  }
  return { text, problem: null };
}

/** Returns null when the username is acceptable for registration, otherwise the reason. */
export function usernameProblem(name) {
  return USERNAME_PATTERN.test(name)
    ? null
    : 'Username: 3 to 32 characters, letters, digits, ".", "_" or "-".';
}

/** Returns null when the password is acceptable for registration, otherwise the reason. */
export function passwordProblem(password) {
  return password.length >= PASSWORD_MIN_LENGTH && password.length <= PASSWORD_MAX_LENGTH
    ? null
    : `Password: ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`;
}

/** Reconnect backoff: exponential from BASE, capped, with jitter in the upper half. */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 15000;

/**
 * Delay before reconnect attempt number `attempt` (1, 2, 3, ...). "Equal jitter": a random delay
 * in [d/2, d] where d = min(cap, base * 2^(attempt-1)), so clients that lost the same server do
 * not all come back at the same instant, yet the first attempt is still almost immediate.
 * `random` is injectable for tests.
 */
export function backoffDelay(attempt, random = Math.random) {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(exponent, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * A random UUID v4 for clientMessageId. crypto.randomUUID only exists in secure contexts
 * (https or localhost); getRandomValues works everywhere.
 */
export function newClientMessageId(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl.randomUUID === 'function') {
    return cryptoImpl.randomUUID();
  }
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
