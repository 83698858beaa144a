// The browser's keys: what each key does, named as the native clients' key table names its
// actions (place_front_keys and place_front_action_name in common/src/front.c; docs/keys.md).
// main.js acts on these names, and tests/web/logic.test.js fails when a key here does something
// other than the table says, or when the table has a key the browser leaves out without saying
// so below. A new key: add it to the table (and docs/keys.md) and here, with the same action.

// KeyboardEvent.key (with "Shift+" for shifted named keys) -> action.
export const KEY_ACTIONS = {
  ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down',
  h: 'left', l: 'right', k: 'up', j: 'down',
  'Shift+ArrowLeft': 'left8', 'Shift+ArrowRight': 'right8', 'Shift+ArrowUp': 'up8', 'Shift+ArrowDown': 'down8',
  H: 'left8', L: 'right8', K: 'up8', J: 'down8',
  '+': 'zoom-in', '=': 'zoom-in', '-': 'zoom-out', z: 'fit',
  '[': 'prev-color', ']': 'next-color',
  ' ': 'place', Enter: 'place',
  g: 'goto', i: 'info', '?': 'help',
  o: 'template', O: 'template-style', n: 'next-wrong',
  m: 'minimap',
  t: 'time', ',': 'time-back', '.': 'time-fwd', '<': 'time-back10', '>': 'time-fwd10', w: 'heat',
};
for (const d of '0123456789abcdef') KEY_ACTIONS[d] = 'color';

// Keys of the native clients the browser leaves to the browser, and why.
export const NATIVE_ONLY_KEYS = {
  r: 'reconnect now: the browser has the Retry button beside the connection notice',
  u: 'log in or register: the browser has its Log in and Register buttons',
  q: 'quit: the browser closes its tab',
  Tab: 'next colour: in a page, Tab moves the focus between its controls',
  'Shift+Tab': 'previous colour: in a page, shift+Tab moves the focus back',
  'Ctrl+l': 'redraw: the browser redraws by itself (Ctrl+L is its address bar)',
  'Ctrl+c': 'quit: in a page, Ctrl+C copies',
};

// Keys only the browser has: [action, why].
export const BROWSER_ONLY_KEYS = {
  _: ['zoom-out', '"-" typed with Shift held, on most layouts'],
};

// The action of a key press (KeyboardEvent.key and whether Shift is held), or null.
export function keyAction(key, shift) {
  if (shift && KEY_ACTIONS[`Shift+${key}`]) return KEY_ACTIONS[`Shift+${key}`];
  if (KEY_ACTIONS[key]) return KEY_ACTIONS[key];
  return BROWSER_ONLY_KEYS[key] ? BROWSER_ONLY_KEYS[key][0] : null;
}
