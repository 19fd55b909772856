// IDX files (as MNIST ships them, gzip'd): what the Rust reader, `vae train --data DIR` and the `data` attribute read.
// The page writes them for a person's own images (until the Rust core's `exportIdx` and `DataHandle.fromImages` do),
// and reads the bundled ones back to mix own images into MNIST. Gzip through the platform's CompressionStream.

/** IDX magic numbers: unsigned bytes, three dimensions (images) or one (labels). */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

/** `count` images of `height` × `width` bytes as an IDX3 file (big-endian header, then the bytes row by row). */
export function idxImages(images: Uint8Array, count: number, height: number, width: number): Uint8Array {
  if (images.length !== count * height * width) throw new Error(`${images.length} bytes are not ${count} images of ${width} × ${height}`);
  const file = new Uint8Array(16 + images.length);
  const view = new DataView(file.buffer);
  view.setUint32(0, IMAGES_MAGIC);
  view.setUint32(4, count);
  view.setUint32(8, height);
  view.setUint32(12, width);
  file.set(images, 16);
  return file;
}

/** One label byte per image as an IDX1 file. */
export function idxLabels(labels: Uint8Array): Uint8Array {
  const file = new Uint8Array(8 + labels.length);
  const view = new DataView(file.buffer);
  view.setUint32(0, LABELS_MAGIC);
  view.setUint32(4, labels.length);
  file.set(labels, 8);
  return file;
}

/** The bytes after an IDX file's header (`dimensions` sizes after the magic). */
export function idxBody(file: Uint8Array, dimensions: 1 | 3): Uint8Array {
  return file.subarray(4 + 4 * dimensions);
}

async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return through(bytes, new CompressionStream('gzip'));
}

export function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return through(bytes, new DecompressionStream('gzip'));
}
