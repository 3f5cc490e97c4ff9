/** Requests with file uploads (transcriptions) as multipart form data. */

const AUDIO_EXTENSIONS: Record<string, string> = { mpeg: "mp3", mp3: "mp3", wav: "wav", "x-wav": "wav", webm: "webm", ogg: "ogg", flac: "flac", mp4: "m4a", m4a: "m4a", "x-m4a": "m4a" };

/**
 * A request object as multipart form data (OpenAI's upload endpoints): `file` keeps its name, or gets one from its
 * type (the service infers the format from the extension); arrays become `key[]` fields; objects are JSON.
 * @example
 * toMultipartForm({ model: "whisper-1", file: new Blob([bytes], { type: "audio/wav" }) }); // file named audio.wav
 */
export function toMultipartForm(request: object): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || value === null) continue;
    if (key === "file" && value instanceof Blob) {
      const name = typeof (value as File).name === "string" && (value as File).name ? (value as File).name : `audio.${AUDIO_EXTENSIONS[value.type.split("/")[1] ?? ""] ?? "mp3"}`;
      form.append("file", value, name);
    } else if (Array.isArray(value)) for (const item of value) form.append(`${key}[]`, String(item));
    else form.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return form;
}
