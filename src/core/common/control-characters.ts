/**
 * Characters that steer a terminal or reorder text instead of showing something: the C0 controls (ESC starts the
 * escape sequences that move the cursor, clear the screen or retitle the window), DEL, the C1 controls (U+009B is a
 * one-character CSI on some terminals), and the bidirectional embeddings, overrides and isolates that make text read
 * in another order than it is stored (U+202A–U+202E, U+2066–U+2069).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: naming these characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `U+001B` for a character: how messages name a control character without printing it. */
export function describeCodePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first control character of `text` as `U+001B`, or undefined when there is none. */
export function findControlCharacter(text: string): string | undefined {
  const match = new RegExp(CONTROL_CHARACTERS.source).exec(text);
  return match ? describeCodePoint(match[0]) : undefined;
}
