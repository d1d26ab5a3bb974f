// Small DOM helpers. User data only ever goes in through textContent or attributes, never HTML.

/** The element with this id; a missing one is a bug in the page, so fail loudly. */
export function byId(id) {
  const element = document.getElementById(id);
  if (element === null) {
    throw new Error(`missing element #${id}`);
  }
  return element;
}

/**
 * Creates an element. options: {className, text, attrs, dataset}; children are nodes or strings
 * (strings become text nodes).
 */
export function el(tag, options = {}, children = []) {
  const element = document.createElement(tag);
  if (options.className) {
    element.className = options.className;
  }
  if (options.text !== undefined) {
    element.textContent = String(options.text);
  }
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (value !== null && value !== undefined && value !== false) {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const [name, value] of Object.entries(options.dataset ?? {})) {
    if (value !== null && value !== undefined) {
      element.dataset[name] = String(value);
    }
  }
  for (const child of children) {
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/**
 * Replaces a list's children; if one of its buttons had the focus, the new button with the same
 * `data-room` gets it back, so a list that refreshes itself never throws a keyboard user out.
 */
export function replaceKeepingFocus(list, children) {
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  const room = focused?.dataset?.room;
  list.replaceChildren(...children);
  if (room !== undefined) {
    list.querySelector(`[data-room="${CSS.escape(room)}"]`)?.focus();
  }
}

export function setVisible(element, visible) {
  element.hidden = !visible;
}

/** Shows `text` in a message element (hidden when empty). */
export function showMessage(element, text) {
  element.textContent = text ?? '';
  element.hidden = !text;
}

/** Local time of an ISO instant: time only for today, date and time otherwise. */
export function formatTime(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleString([], {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      });
}
