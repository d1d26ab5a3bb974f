// Builds the chat page's repeated elements (messages, rooms, users). Text goes in as textContent.

import { el, formatTime } from './dom.js';
import { PendingStatus } from './timeline.js';

const ERROR_TEXT = {
  rate_limited: 'Too many messages: slow down and retry.',
  bad_text: 'The server refused this text.',
  bad_room: 'The server refused this room name.',
  bad_json: 'The server could not read this message.',
  bad_client_message_id: 'The server refused the message id.',
  unavailable: 'The chat server cannot store messages right now; retry in a moment.',
};

/** A readable sentence for a server error frame {code, message}. */
export function errorText(error) {
  const known = ERROR_TEXT[error?.code];
  const detail = error?.message ? String(error.message) : '';
  if (known && detail) {
    return `${known} (${detail})`;
  }
  return known || detail || 'The server refused this message.';
}

function meta(sender, own, timeChild, statusText, status) {
  return el('div', { className: 'message-meta' }, [
    el('span', {
      className: 'message-sender',
      text: sender,
      dataset: { testid: 'message-sender' },
    }),
    own ? el('span', { className: 'own-badge', text: 'you' }) : '',
    timeChild ?? '',
    statusText
      ? el('span', {
          className: `message-status status-${status}`,
          text: statusText,
          dataset: { testid: 'message-status' },
        })
      : '',
  ]);
}

/** One broadcast message (has a seq). */
export function messageElement(entry) {
  const time = el('time', {
    className: 'message-time',
    text: formatTime(entry.sentAt),
    attrs: { datetime: entry.sentAt, title: new Date(entry.sentAt).toString() },
    dataset: { testid: 'message-time' },
  });
  return el(
    'li',
    {
      className: entry.own ? 'message own' : 'message',
      dataset: {
        testid: 'message',
        seq: entry.seq,
        sender: entry.sender,
        own: entry.own,
        status: entry.own ? PendingStatus.SENT : null,
      },
    },
    [
      meta(entry.sender, entry.own, time, entry.own ? 'sent' : '', PendingStatus.SENT),
      el('p', { className: 'message-text', text: entry.text, dataset: { testid: 'message-text' } }),
    ],
  );
}

const PENDING_LABEL = {
  [PendingStatus.PENDING]: 'sending…',
  [PendingStatus.SENT]: 'sent',
  [PendingStatus.FAILED]: 'not sent',
};

/** One message of ours not yet broadcast back; actions: {retry(id), discard(id)}. */
export function pendingElement(pending, me, actions) {
  const children = [
    meta(me, true, null, PENDING_LABEL[pending.status], pending.status),
    el('p', { className: 'message-text', text: pending.text, dataset: { testid: 'message-text' } }),
  ];
  if (pending.status === PendingStatus.FAILED) {
    const retry = el('button', {
      className: 'link-button',
      text: 'Retry',
      attrs: { type: 'button' },
      dataset: { testid: 'retry-button' },
    });
    retry.addEventListener('click', () => actions.retry(pending.clientMessageId));
    const discard = el('button', {
      className: 'link-button',
      text: 'Discard',
      attrs: { type: 'button' },
      dataset: { testid: 'discard-button' },
    });
    discard.addEventListener('click', () => actions.discard(pending.clientMessageId));
    children.push(
      el('p', {
        className: 'message-error',
        text: errorText(pending.error),
        attrs: { role: 'alert' },
        dataset: { testid: 'message-error', errorCode: pending.error?.code },
      }),
      el('div', { className: 'message-actions' }, [retry, discard]),
    );
  }
  return el(
    'li',
    {
      className: `message own pending status-${pending.status}`,
      dataset: {
        testid: 'pending-message',
        clientMessageId: pending.clientMessageId,
        status: pending.status,
      },
    },
    children,
  );
}

/**
 * The "New messages" divider above the first message that arrived while the user was elsewhere;
 * `afterSeq` is the last seq they had seen.
 */
export function unreadDividerElement(afterSeq) {
  return el(
    'li',
    {
      className: 'unread-divider',
      attrs: { id: 'unread-divider' },
      dataset: { testid: 'unread-divider', afterSeq },
    },
    [el('span', { text: 'New messages' })],
  );
}

/** A button per joined room, with an unread count; onSelect(room). */
export function joinedRoomElement(room, unread, active, onSelect) {
  const button = el(
    'button',
    {
      className: 'room-button',
      attrs: { type: 'button', 'aria-current': active ? 'true' : null },
      dataset: { testid: 'joined-room', room },
    },
    [el('span', { className: 'room-name', text: `#${room}` })],
  );
  if (unread > 0) {
    button.append(
      el(
        'span',
        { className: 'unread-count', dataset: { testid: 'unread-count', count: unread } },
        [String(unread), el('span', { className: 'visually-hidden', text: ' unread' })],
      ),
    );
  }
  button.addEventListener('click', () => onSelect(room));
  return el('li', {}, [button]);
}

/** A room from the archiver's list {room, messages, lastSeq, lastActivity}; onSelect(room). */
export function roomListElement(info, onSelect) {
  const count = Number(info.messages ?? info.lastSeq ?? 0);
  const button = el(
    'button',
    {
      className: 'room-button',
      attrs: { type: 'button' },
      dataset: { testid: 'room-list-item', room: info.room },
    },
    [
      el('span', { className: 'room-name', text: `#${info.room}` }),
      el('span', {
        className: 'room-count',
        text: `${count} ${count === 1 ? 'message' : 'messages'}`,
      }),
    ],
  );
  button.addEventListener('click', () => onSelect(info.room));
  return el('li', {}, [button]);
}

/** One online user; `me` is marked. */
export function presenceElement(username, me) {
  return el(
    'li',
    {
      className: username === me ? 'presence-user me' : 'presence-user',
      dataset: { testid: 'presence-user', username },
    },
    [el('span', { text: username }), username === me ? el('span', { className: 'own-badge', text: 'you' }) : ''],
  );
}
