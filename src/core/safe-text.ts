/**
 * Text that came from the file system or from an agent (file names, messages), made safe to
 * print on a terminal: a file named `\x1b]52;c;…\x07` would otherwise write the user's clipboard
 * (OSC 52) or retitle the window the moment the guard printed it. Control characters (C0, DEL,
 * C1) and the Unicode bidirectional overrides that reorder what a line appears to say are shown
 * as escapes (`\x1b`, `\u202e`); everything else, Unicode included, is kept.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
