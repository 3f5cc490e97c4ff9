import type { EncodedBlob } from "./protocol.ts";

// Extension ports carry JSON only: binary crosses as base64 (see EncodedBlob in the protocol).

/** True for `{ $blob, type }` as the page client encodes a Blob. */
export function isEncodedBlob(value: unknown): value is EncodedBlob {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.$blob === "string" && typeof record.type === "string" && (record.name === undefined || typeof record.name === "string");
}

/** Base64 of bytes, in slices so a large audio file does not overflow the argument limit of `String.fromCharCode`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** A File from an encoded blob (what the mesh's transcription call takes). */
export function decodeBlob(encoded: EncodedBlob): File {
  return new File([base64ToBytes(encoded.$blob)], encoded.name ?? "audio", { type: encoded.type });
}

/** Encodes a Blob (speech audio) for the channel. */
export async function encodeBlob(blob: Blob, name?: string): Promise<EncodedBlob> {
  return { $blob: bytesToBase64(new Uint8Array(await blob.arrayBuffer())), type: blob.type || "application/octet-stream", ...(name ? { name } : {}) };
}
