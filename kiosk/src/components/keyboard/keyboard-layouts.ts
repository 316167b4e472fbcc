// The on-screen keyboard's key rows. A key is a character it types, or an action. `text` serves
// user codes, PINs and e-mail (letters with shift, digits, and every printable ASCII symbol a user
// code or PIN may contain); `id` puts digits first and types capital letters only (national IDs);
// `digits` is a keypad (dates).

export type KeyboardLayout = 'text' | 'id' | 'digits';
export type KeyboardPage = 'letters' | 'symbols';

export type KeyAction = 'shift' | 'backspace' | 'symbols' | 'letters' | 'next';

export type KeySpec = { char: string } | { action: KeyAction; width?: number };

const chars = (row: string): KeySpec[] => [...row].map((char) => ({ char }));

const DIGITS = chars('1234567890');
const LETTER_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** The 32 printable ASCII symbols, every one reachable. */
export const SYMBOL_ROWS = ['!@#$%^&*()', '-_=+[]{}\\|', ';:\'",.<>/?', '`~'];

export function keyRows(layout: KeyboardLayout, page: KeyboardPage, shifted: boolean): KeySpec[][] {
  if (layout === 'digits') {
    return [
      chars('123'),
      chars('456'),
      chars('789'),
      [{ action: 'backspace' }, { char: '0' }, { action: 'next' }],
    ];
  }
  if (layout === 'id') {
    const upper = LETTER_ROWS.map((row) => chars(row.toUpperCase()));
    return [
      DIGITS,
      upper[0] ?? [],
      upper[1] ?? [],
      [...(upper[2] ?? []), { action: 'backspace', width: 2 }],
      [{ action: 'next', width: 3 }],
    ];
  }
  if (page === 'symbols') {
    const [first = '', second = '', third = '', last = ''] = SYMBOL_ROWS;
    return [
      DIGITS,
      chars(first),
      chars(second),
      chars(third),
      [{ action: 'letters', width: 2 }, ...chars(last), { action: 'backspace', width: 2 }, { action: 'next', width: 2 }],
    ];
  }
  const letters = LETTER_ROWS.map((row) => chars(shifted ? row.toUpperCase() : row));
  return [
    DIGITS,
    letters[0] ?? [],
    letters[1] ?? [],
    [{ action: 'shift', width: 1.5 }, ...(letters[2] ?? []), { action: 'backspace', width: 1.5 }],
    [{ action: 'symbols', width: 2 }, ...chars('@.-_'), { action: 'next', width: 2 }],
  ];
}
