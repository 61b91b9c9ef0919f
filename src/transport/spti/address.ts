// Windows drive addresses: a drive letter (`D:`, `d:\`, `\\.\D:`) or a CD-ROM class device
// (`\\.\CdRom0`, `cdrom0`). Pure.

export interface WindowsDriveAddress {
  /** What CreateFileW opens: `\\.\D:` or `\\.\CdRom0`. */
  readonly devicePath: string;
  /** Upper-case letter, when the address named one. */
  readonly driveLetter?: string;
  /** N of `\\.\CdRomN`, when the address named one. */
  readonly cdromNumber?: number;
}

/** Parse a Windows drive address; undefined when `address` is not one. */
export function parseWindowsDriveAddress(address: string): WindowsDriveAddress | undefined {
  const letter = /^(?:\\\\[.?]\\)?([A-Za-z]):\\?$/.exec(address)?.[1];
  if (letter !== undefined) {
    const up = letter.toUpperCase();
    return { devicePath: `\\\\.\\${up}:`, driveLetter: up };
  }
  const n = /^(?:\\\\[.?]\\)?cdrom(\d{1,3})$/i.exec(address)?.[1];
  if (n !== undefined) {
    const cdromNumber = Number(n);
    return { devicePath: `\\\\.\\CdRom${cdromNumber}`, cdromNumber };
  }
  return undefined;
}
