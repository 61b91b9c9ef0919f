// The WAVE header of an audio track's source (RIFF/WAVE as Microsoft's multimedia file formats
// define it: chunks of a 4-byte id, a 4-byte little-endian size and an even-padded body). A CD-DA
// track takes 44.1 kHz, 16-bit, 2-channel PCM, little-endian: exactly a WAVE "data" chunk of that
// format, so the samples are copied as they are. Pure: works on the bytes read from the start.

import { invalidArgument, type DwError } from '../../errors.js';

/** Where the PCM lies in the file. */
export interface WavData {
  readonly dataOffset: number;
  readonly dataBytes: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function bad(what: string, name: string): DwError {
  return invalidArgument(`${name}: ${what} (an audio track takes 44.1 kHz 16-bit stereo PCM)`);
}

const id = (b: Uint8Array, at: number) => String.fromCharCode(...b.subarray(at, at + 4));
const u16 = (b: Uint8Array, at: number) => (b[at] as number) | ((b[at + 1] as number) << 8);
const u32 = (b: Uint8Array, at: number) => (u16(b, at) + u16(b, at + 2) * 0x10000) >>> 0;

/** True when the bytes start like a RIFF/WAVE file. */
export function looksLikeWav(head: Uint8Array): boolean {
  return head.length >= 12 && id(head, 0) === 'RIFF' && id(head, 8) === 'WAVE';
}

/**
 * Parses the header of a WAVE file of `fileBytes` bytes from its first bytes `head` (enough to
 * reach the "data" chunk's header). Refuses, naming the field, anything but CD-DA PCM, a missing
 * or misplaced "fmt " chunk, and a "data" chunk that would run past the end of the file.
 */
export function parseWavHeader(head: Uint8Array, fileBytes: number, name = 'WAV'): WavData {
  if (!looksLikeWav(head)) throw bad('not a RIFF/WAVE file', name);
  let at = 12;
  let fmtSeen = false;
  while (at + 8 <= head.length) {
    const chunk = id(head, at);
    const size = u32(head, at + 4);
    const body = at + 8;
    if (chunk === 'fmt ') {
      if (size < 16 || body + 16 > head.length) throw bad(`"fmt " chunk of ${size} bytes`, name);
      const format = u16(head, body);
      const channels = u16(head, body + 2);
      const rate = u32(head, body + 4);
      const blockAlign = u16(head, body + 12);
      const bits = u16(head, body + 14);
      let pcm = format === WAVE_FORMAT_PCM;
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= head.length) {
        pcm = u16(head, body + 24) === WAVE_FORMAT_PCM; // SubFormat GUID's first two bytes
      }
      if (!pcm) throw bad(`format tag 0x${format.toString(16)} is not PCM`, name);
      if (channels !== 2) throw bad(`${channels} channel(s)`, name);
      if (rate !== 44100) throw bad(`sample rate ${rate} Hz`, name);
      if (bits !== 16 || blockAlign !== 4) throw bad(`${bits}-bit samples`, name);
      fmtSeen = true;
    } else if (chunk === 'data') {
      if (!fmtSeen) throw bad('"data" chunk before the "fmt " chunk', name);
      if (body + size > fileBytes) {
        throw bad(`"data" chunk of ${size} bytes runs past the end of the file`, name);
      }
      if (size % 4 !== 0) throw bad(`"data" chunk of ${size} bytes is not whole samples`, name);
      return { dataOffset: body, dataBytes: size };
    }
    at = body + size + (size & 1);
  }
  throw bad(fmtSeen ? 'no "data" chunk in its header' : 'no "fmt " chunk', name);
}
