// What to do about a sense code whose HRESULT's stock hint would mislead. The sense → HRESULT
// table (src/scsi/sense-hresult.ts) maps a whole family to one HRESULT, e.g. every 05/30/xx to
// E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE ("use a disc type this drive can write"), but a disc that
// is merely unformatted needs formatting, not another disc (issue #15). The sense policy
// (sense-policy.ts) puts the hint found here on the error; other codes keep the HRESULT's.

/** The hint for this sense, when it differs from the HRESULT's. */
export function senseHint(senseKey: number, asc: number, ascq: number): string | undefined {
  // x/30/10 MEDIUM NOT FORMATTED: a DVD+RW, BD-RE or DVD-RW (restricted overwrite) takes writes
  // only once formatted (FORMAT UNIT, MMC-6 6.5).
  if (asc === 0x30 && ascq === 0x10 && senseKey !== 0) {
    return (
      'The disc is not formatted: format it first (a DVD+RW or BD-RE takes writes only after' +
      " FORMAT UNIT; e.g. `dvd+rw-format /dev/srN` or a burning program's format command), then" +
      ' write again. discwright has no format command yet; a virtual drive loads a new image' +
      ' formatted with `formatted=on` in its address.'
    );
  }
  return undefined;
}
