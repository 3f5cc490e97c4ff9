/**
 * OpenAI's `encoding_format: "base64"` for services that answer floats only: the vector as little-endian float32
 * bytes in base64, the form the official OpenAI clients request by default and decode.
 */

/**
 * A vector as OpenAI's base64 embedding (float32, little-endian).
 * @example
 * floatsToBase64([1, 0]); // "AACAPwAAAAA="
 */
export function floatsToBase64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
