// The bounds on what a person's dropped images may cost: one table, read by the collector (main thread), the zip
// reader and the decoder (worker). Tests pass smaller values; the defaults are what the page uses.

export interface IngestLimits {
  /** Images kept: the first ones in path order; the rest are named as not read. */
  maxImages: number;
  /** Names listed from dropped folders, and entries read from one zip, before reading stops. */
  maxListed: number;
  /** Classes a labelled set may have (labels are u8, and a legend of more is unreadable). */
  maxClasses: number;
  /** Largest image accepted, in pixels, read from its header before any decoding (8,000 × 8,000 is 64 M). */
  maxPixels: number;
  /** Images are decoded downscaled (never upscaled) to fit within this many pixels on each side. */
  decodeFit: number;
  /** Largest image file read, in bytes. */
  maxImageBytes: number;
  /** Largest file inflated from a zip, in bytes: past it the entry is stopped and named. */
  zipMaxEntryBytes: number;
  /** Bytes inflated from all zips of one ingest together: past it the zip being read is refused as a whole. */
  zipMaxTotalBytes: number;
}

const MB = 1024 * 1024;

export const INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxImages: 20_000,
  maxListed: 100_000,
  maxClasses: 100,
  maxPixels: 100_000_000,
  decodeFit: 256,
  maxImageBytes: 64 * MB,
  zipMaxEntryBytes: 64 * MB,
  // The inflated files are held in the worker until decoded: 20,000 small images take well under this.
  zipMaxTotalBytes: 256 * MB,
});

/** The defaults with `overrides` applied. */
export function limitsWith(overrides: Partial<IngestLimits> = {}): IngestLimits {
  return { ...INGEST_LIMITS, ...overrides };
}

/** "64 MB", "1.5 GB": a byte count as a person reads it (binary units, as the limits are written). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MB) return `${+(bytes / (1024 * MB)).toFixed(1)} GB`;
  if (bytes >= MB) return `${+(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
