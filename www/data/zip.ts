// Reading a dropped .zip with a bound on what it may inflate to.
//
// The library is fflate (MIT, 0.8.3, maintained, no dependencies; what is used here is ~10 KB minified): its
// streaming `Unzip` reads an archive pushed in chunks and hands each file to a decoder the caller registers, so the
// bound is enforced inside the inflate loop, synchronously, in this worker. JSZip reads the whole archive into memory
// and is built around whole-entry reads (`async()`); zip.js streams too, but by default inflates in Web Workers of its
// own through the native DecompressionStream, which cannot be stopped at a byte count from here, and is several
// times larger. Either would need wrapping to get the same control, fflate is built for it.
//
// How the bound holds: the archive is pushed 64 KB at a time; `BoundedInflate` (registered for deflate) pushes each
// piece to fflate's streaming `Inflate` 4 KB at a time, so one step can inflate at most ~4 MB (deflate's ratio is at
// most ~1032 : 1). After every step the file's handler counts the bytes and, past a limit, calls `terminate()`, after
// which the decoder drops everything pushed to it: a file past its limit costs at most one more step. Three things
// refuse the whole archive: more than the total bound inflated; a file inflating to over 100 times its compressed
// size once past 8 MB (image files are compressed already: a zip barely shrinks them, while a bomb's ratio is ~1000);
// a file inflating to more than its local header declares (an honest archive never does; a crafted one, whose headers
// and central directory lie to pass checks made up front, does). Sizes written in the archive are never trusted for
// the bound. The central directory is not read at all: the local headers, in order, are what is inflated, so a
// directory pointing many entries at the same data (an overlapping-file bomb) gains nothing.
import { Inflate, Unzip, type AsyncFlateStreamHandler, type UnzipDecoder, type UnzipFile } from 'fflate';
import { formatBytes, type IngestLimits } from './limits.js';
import { isSilentlySkipped, kindByName, NOT_AN_IMAGE, UNREADABLE, unsafePathReason } from './paths.js';
import { IngestError, type Skipped } from './report.js';

/** Bytes of the archive pushed to the unzipper at a time. */
const READ_CHUNK = 64 * 1024;
/** Bytes of compressed data inflated in one step: at most ~4 MB of output between two checks of the bound. */
const INFLATE_STEP = 4 * 1024;
/** Inflated ÷ compressed past which a file is no image but a bomb, once it has inflated to `RATIO_AFTER` bytes. */
const MAX_RATIO = 100;
const RATIO_AFTER = 8 * 1024 * 1024;

/** What `BoundedInflate` reports when a file inflates like a bomb. */
class RatioError extends Error {}

export interface ZipFile {
  /** The entry's path inside the archive, as written there ("letters/a/1.png"). */
  path: string;
  data: Blob;
}

export interface ZipContents {
  files: ZipFile[];
  /** Entries not read, named `archive.zip/entry` with why; the archive itself when it stopped early. */
  skipped: Skipped[];
}

export interface ZipOptions {
  limits: Pick<IngestLimits, 'zipMaxEntryBytes' | 'zipMaxTotalBytes' | 'maxListed'>;
  /** Bytes inflated so far by this ingest (all its zips share `zipMaxTotalBytes`); updated as the archive is read. */
  budget?: { inflated: number };
  signal?: AbortSignal;
  /** Called after each chunk with the archive's bytes read so far. */
  onRead?: (bytes: number) => void;
}

/** A decoder that stops for good when terminated: what is pushed after that is dropped, not inflated. */
interface Stoppable extends UnzipDecoder {
  terminate: () => void;
}

/**
 * fflate's streaming DEFLATE, fed in small steps, each after checking that the file has not been stopped; it stops
 * itself with a RatioError when the file inflates like a bomb.
 */
class BoundedInflate implements Stoppable {
  static readonly compression = 8;
  ondata: AsyncFlateStreamHandler = () => {};
  #stopped = false;
  #compressed = 0;
  #inflated = 0;
  #inflate = new Inflate((data, final) => {
    this.#inflated += data.length;
    this.ondata(null, data, final);
  });

  push(chunk: Uint8Array, final: boolean): void {
    try {
      let at = 0;
      do {
        if (this.#stopped) return;
        const end = Math.min(at + INFLATE_STEP, chunk.length);
        this.#compressed += end - at;
        this.#inflate.push(chunk.subarray(at, end), final && end === chunk.length);
        at = end;
        if (this.#inflated > RATIO_AFTER && this.#inflated > MAX_RATIO * this.#compressed) {
          throw new RatioError(`${this.#inflated} bytes from ${this.#compressed}`);
        }
      } while (at < chunk.length);
    } catch (error) {
      if (this.#stopped) return; // stopped by the file's handler during this step
      this.#stopped = true;
      this.ondata(error as Parameters<AsyncFlateStreamHandler>[0], new Uint8Array(0), true);
    }
  }

  terminate = (): void => {
    this.#stopped = true;
  };
}

/** Stored (uncompressed) entries, counted like inflated ones and stoppable the same way (replaces fflate's own). */
class BoundedPassThrough implements Stoppable {
  static readonly compression = 0;
  ondata: AsyncFlateStreamHandler = () => {};
  #stopped = false;

  push(chunk: Uint8Array, final: boolean): void {
    if (!this.#stopped) this.ondata(null, chunk.slice() as Uint8Array<ArrayBuffer>, final);
  }

  terminate = (): void => {
    this.#stopped = true;
  };
}

/**
 * The image files in a zip: images by name (PNG, JPEG, WebP, GIF or no extension), each inflated under the bounds.
 * Directories, dotfiles and `__MACOSX/` are skipped silently; unsafe paths, nested zips, other files, entries past a
 * bound or damaged are named in `skipped`. Throws an IngestError (nothing from the archive used) when the archive as
 * a whole is refused: more than the total bound inflated, a file inflating like a bomb (over 100 : 1 past 8 MB), or a
 * file inflating past the size its header declares.
 */
export async function readZip(zip: Blob, zipName: string, options: ZipOptions): Promise<ZipContents> {
  const { limits, signal, onRead } = options;
  const budget = options.budget ?? { inflated: 0 };
  const files: ZipFile[] = [];
  const skipped: Skipped[] = [];
  const name = (entry: string) => `${zipName}/${entry}`;
  let refusal: string | null = null;
  let entries = 0;
  let tooManyEntries = false;
  const unfinished = new Set<string>();

  const discard = (file: UnzipFile) => {
    file.ondata = () => {};
    file.start();
    file.terminate();
  };

  const unzip = new Unzip((file) => {
    if (refusal !== null || tooManyEntries) return discard(file);
    if (++entries > limits.maxListed) {
      tooManyEntries = true;
      return discard(file);
    }
    const unsafe = unsafePathReason(file.name);
    if (unsafe) {
      skipped.push({ name: name(file.name), reason: unsafe });
      return discard(file);
    }
    if (isSilentlySkipped(file.name)) return discard(file);
    const kind = kindByName(file.name);
    if (kind !== 'image') {
      skipped.push({ name: name(file.name), reason: kind === 'zip' ? 'a zip inside a zip is not opened' : NOT_AN_IMAGE });
      return discard(file);
    }
    if (file.compression !== 0 && file.compression !== 8) {
      // Not started: fflate has no decoder for it (bzip2, LZMA, AES encryption, …).
      skipped.push({ name: name(file.name), reason: `compressed with method ${file.compression}, which cannot be read (only stored or deflate)` });
      return;
    }
    const declared = file.originalSize;
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    let inflated = 0;
    unfinished.add(file.name);
    file.ondata = (error, data, final) => {
      if (error) {
        unfinished.delete(file.name);
        if (error instanceof RatioError) {
          refusal = `${file.name} inflates to over ${MAX_RATIO} times its compressed size, as no image file does: refused as a zip bomb`;
        } else {
          skipped.push({ name: name(file.name), reason: 'damaged in the archive (it could not be inflated): not read' });
        }
        return file.terminate();
      }
      inflated += data.length;
      budget.inflated += data.length;
      if (declared !== undefined && inflated > declared) {
        refusal = `${file.name} inflates to more than the ${declared.toLocaleString('en')} bytes its header declares: the archive is damaged or crafted (a zip bomb?), and is refused`;
      } else if (budget.inflated > limits.zipMaxTotalBytes) {
        refusal = `inflates to more than ${formatBytes(limits.zipMaxTotalBytes)}, the most read from zips at once: refused (a set this large, or a zip bomb)`;
      } else if (inflated > limits.zipMaxEntryBytes) {
        skipped.push({ name: name(file.name), reason: `inflates to more than ${formatBytes(limits.zipMaxEntryBytes)}, too large for an image: not read` });
      } else {
        chunks.push(data);
        if (final) {
          unfinished.delete(file.name);
          files.push({ path: file.name, data: new Blob(chunks) });
        }
        return;
      }
      unfinished.delete(file.name);
      chunks.length = 0;
      file.terminate();
    };
    file.start();
  });
  unzip.register(BoundedPassThrough);
  unzip.register(BoundedInflate);

  let damaged = false;
  for (let at = 0; at < zip.size && refusal === null && !tooManyEntries; at += READ_CHUNK) {
    signal?.throwIfAborted();
    let chunk: Uint8Array;
    try {
      chunk = new Uint8Array(await zip.slice(at, at + READ_CHUNK).arrayBuffer());
    } catch {
      throw new IngestError(`${zipName}: ${UNREADABLE}`, [{ name: zipName, reason: UNREADABLE }]);
    }
    const last = at + READ_CHUNK >= zip.size;
    try {
      unzip.push(chunk, last);
    } catch {
      damaged = true; // fflate stops on a header it cannot parse, or an archive that ends inside a file
      break;
    }
    onRead?.(Math.min(at + READ_CHUNK, zip.size));
  }
  signal?.throwIfAborted();
  if (refusal !== null) throw new IngestError(`${zipName}: ${refusal}`, [{ name: zipName, reason: refusal }]);
  for (const entry of unfinished) skipped.push({ name: name(entry), reason: 'cut short in the archive: not read' });
  if (tooManyEntries) {
    skipped.push({ name: zipName, reason: `holds more than ${limits.maxListed.toLocaleString('en')} files: the rest were not read` });
  } else if (damaged) {
    skipped.push({ name: zipName, reason: `damaged or cut short: only the ${files.length} files before the damage were read` });
  } else if (entries === 0) {
    skipped.push({ name: zipName, reason: 'no files found in it (an empty or damaged zip)' });
  }
  return { files, skipped };
}
