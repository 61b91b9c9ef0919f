// A WAVE file built by hand for the CD tests (an independent byte builder, not the project's
// WAVE reader): RIFF, a 16-byte "fmt " chunk (PCM, 2 channels, 44.1 kHz, 16 bits), "data".

/** `pcm` wrapped in a 44-byte canonical WAVE header. */
export function wavFile(pcm: Uint8Array): Uint8Array {
  const b = new Uint8Array(44 + pcm.length);
  const dv = new DataView(b.buffer);
  const ascii = (s: string, at: number) => b.set(new TextEncoder().encode(s), at);
  ascii('RIFF', 0);
  dv.setUint32(4, 36 + pcm.length, true);
  ascii('WAVEfmt ', 8);
  dv.setUint32(16, 16, true); // fmt chunk size
  dv.setUint16(20, 1, true); // PCM
  dv.setUint16(22, 2, true); // channels
  dv.setUint32(24, 44100, true); // sample rate
  dv.setUint32(28, 176400, true); // byte rate
  dv.setUint16(32, 4, true); // block align
  dv.setUint16(34, 16, true); // bits per sample
  ascii('data', 36);
  dv.setUint32(40, pcm.length, true);
  b.set(pcm, 44);
  return b;
}
