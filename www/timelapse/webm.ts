// A WebM file for one VP8 (or VP9) video track, from the encoder's chunks: EBML header, then a Segment with a
// SeekHead, Info (1 ms ticks and the Duration), Tracks, a Cluster per keyframe and Cues (so players seek). Enough for
// Chromium's <video>, Firefox and FFmpeg (checked: duration, size, every frame decodes, seeking lands on frames);
// tests/unit/timelapse-webm.test.mjs reads the structure back in node.

export interface VideoChunk {
  data: Uint8Array;
  /** Microseconds. */
  timestamp: number;
  key: boolean;
}

export interface WebmTrack {
  codec: 'V_VP8' | 'V_VP9';
  width: number;
  height: number;
  /** Microseconds per frame. */
  frameDuration: number;
}

/** The element IDs used (Matroska's numbers). */
export const ID = {
  EBML: 0x1a45dfa3, EBMLVersion: 0x4286, EBMLReadVersion: 0x42f7, EBMLMaxIDLength: 0x42f2, EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282, DocTypeVersion: 0x4287, DocTypeReadVersion: 0x4285,
  Segment: 0x18538067, SeekHead: 0x114d9b74, Seek: 0x4dbb, SeekID: 0x53ab, SeekPosition: 0x53ac,
  Info: 0x1549a966, TimecodeScale: 0x2ad7b1, MuxingApp: 0x4d80, WritingApp: 0x5741, Duration: 0x4489,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackNumber: 0xd7, TrackUID: 0x73c5, TrackType: 0x83, CodecID: 0x86,
  FlagLacing: 0x9c, DefaultDuration: 0x23e383, Video: 0xe0, PixelWidth: 0xb0, PixelHeight: 0xba,
  Cluster: 0x1f43b675, Timecode: 0xe7, SimpleBlock: 0xa3,
  Cues: 0x1c53bb6b, CuePoint: 0xbb, CueTime: 0xb3, CueTrackPositions: 0xb7, CueTrack: 0xf7, CueClusterPosition: 0xf1,
} as const;

const text = new TextEncoder();

function idBytes(id: number): Uint8Array {
  const bytes: number[] = [];
  for (let x = id; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 255);
  return Uint8Array.from(bytes);
}

/** An EBML variable-size integer in its shortest form (all ones is reserved for "unknown size"). */
export function vint(n: number): Uint8Array {
  let length = 1;
  while (length < 8 && n >= 2 ** (7 * length) - 1) length++;
  const bytes = new Uint8Array(length);
  for (let i = length - 1, x = n; i >= 0; i--, x = Math.floor(x / 256)) bytes[i] = x & 255;
  bytes[0] |= 1 << (8 - length);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const element = (id: number, ...children: Uint8Array[]): Uint8Array => {
  const data = concat(children);
  return concat([idBytes(id), vint(data.length), data]);
};
/** An unsigned integer in at least `width` bytes (SeekPosition uses 8, so the SeekHead's size is known up front). */
const uint = (id: number, n: number, width = 1): Uint8Array => {
  const bytes: number[] = [];
  for (let x = n; x > 0 || bytes.length < width; x = Math.floor(x / 256)) bytes.unshift(x & 255);
  return element(id, Uint8Array.from(bytes));
};
const float64 = (id: number, x: number): Uint8Array => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, x);
  return element(id, bytes);
};
const string = (id: number, s: string): Uint8Array => element(id, text.encode(s));

/** A WebM file holding `chunks` (in presentation order, the first a keyframe). */
export function webm(track: WebmTrack, chunks: readonly VideoChunk[]): Uint8Array<ArrayBuffer> {
  if (chunks.length === 0 || !chunks[0].key) throw new Error('a WebM file needs at least one frame, the first a keyframe');
  const t0 = chunks[0].timestamp;
  const ms = (us: number) => Math.round((us - t0) / 1000);
  const info = element(ID.Info, uint(ID.TimecodeScale, 1e6), string(ID.MuxingApp, 'vae-playground'), string(ID.WritingApp, 'vae-playground'),
    float64(ID.Duration, ms(chunks[chunks.length - 1].timestamp + track.frameDuration))); // the end of the last frame
  const tracks = element(ID.Tracks, element(ID.TrackEntry,
    uint(ID.TrackNumber, 1), uint(ID.TrackUID, 1), uint(ID.TrackType, 1), string(ID.CodecID, track.codec), uint(ID.FlagLacing, 0),
    uint(ID.DefaultDuration, track.frameDuration * 1000),
    element(ID.Video, uint(ID.PixelWidth, track.width), uint(ID.PixelHeight, track.height))));

  // A cluster starts at each keyframe (and before a block's time would overflow its signed 16-bit offset).
  const clusters: { time: number; bytes: Uint8Array }[] = [];
  let blocks: Uint8Array[] = [];
  let start = 0;
  const close = () => {
    if (blocks.length) clusters.push({ time: start, bytes: element(ID.Cluster, uint(ID.Timecode, start), ...blocks) });
  };
  for (const chunk of chunks) {
    const t = ms(chunk.timestamp);
    if (chunk.key || t - start > 30_000) {
      close();
      blocks = [];
      start = t;
    }
    const head = new Uint8Array([0x81, 0, 0, chunk.key ? 0x80 : 0]); // track 1, time offset, flags
    new DataView(head.buffer).setInt16(1, t - start);
    blocks.push(element(ID.SimpleBlock, head, chunk.data));
  }
  close();

  // Positions are relative to the Segment's data; 8-byte SeekPositions give the SeekHead a fixed size.
  const seekHead = (info: number, tracks: number, cues: number) => element(ID.SeekHead,
    ...([[ID.Info, info], [ID.Tracks, tracks], [ID.Cues, cues]] as const)
      .map(([id, at]) => element(ID.Seek, element(ID.SeekID, idBytes(id)), uint(ID.SeekPosition, at, 8))));
  const headLength = seekHead(0, 0, 0).length;
  let at = headLength + info.length + tracks.length;
  const cues: Uint8Array[] = [];
  for (const cluster of clusters) {
    cues.push(element(ID.CuePoint, uint(ID.CueTime, cluster.time), element(ID.CueTrackPositions, uint(ID.CueTrack, 1), uint(ID.CueClusterPosition, at))));
    at += cluster.bytes.length;
  }
  const ebml = element(ID.EBML, uint(ID.EBMLVersion, 1), uint(ID.EBMLReadVersion, 1), uint(ID.EBMLMaxIDLength, 4), uint(ID.EBMLMaxSizeLength, 8),
    string(ID.DocType, 'webm'), uint(ID.DocTypeVersion, 4), uint(ID.DocTypeReadVersion, 2));
  const segment = element(ID.Segment, seekHead(headLength, headLength + info.length, at), info, tracks,
    ...clusters.map((c) => c.bytes), element(ID.Cues, ...cues));
  return concat([ebml, segment]);
}
