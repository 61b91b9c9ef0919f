// What the image-backed virtual drive rejects with when a file it keeps the disc in fails: a
// DwError with the HRESULT of the real cause (a full file system is ERROR_DISK_FULL, a read-only
// or forbidden file E_ACCESSDENIED, a closed handle ERROR_INVALID_HANDLE), a message that names
// the file and says what to do, and the file system's error as `cause`. Waiting mends none of
// them (a full file system stays full, and a failed background write stays reported until BLANK),
// so they are TransportErrors.permanent: the engine does not retry them.

import { DwError, HR, type HResult } from '../../../errors.js';
import { TransportErrors } from '../../transport.js';

interface Diagnosis {
  readonly hr: HResult;
  /** What went wrong, as a clause. */
  readonly what: string;
  /** What to do about it. */
  readonly todo: string;
}

/** The diagnosis of an errno name ('' when the error has none). */
function diagnose(code: string): Diagnosis {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return {
        hr: HR.ERROR_DISK_FULL,
        what: 'its file system is full',
        todo: 'free space there, or put the image on another file system',
      };
    case 'EFBIG':
      return {
        hr: HR.ERROR_DISK_FULL,
        what: 'its file system takes no file that large',
        todo: 'put the image on a file system without that limit',
      };
    case 'EROFS':
      return {
        hr: HR.E_ACCESSDENIED,
        what: 'its file system is read-only',
        todo: 'put the image on a writable file system',
      };
    case 'EACCES':
    case 'EPERM':
      return {
        hr: HR.E_ACCESSDENIED,
        what: 'permission denied',
        todo: 'make the file and its directory writable for this user',
      };
    case 'ENOENT':
    case 'ENOTDIR':
      return {
        hr: HR.STG_E_FILENOTFOUND,
        what: 'it or its directory does not exist',
        todo: 'check the path, or create the directory',
      };
    case 'EBADF':
      return {
        hr: HR.ERROR_INVALID_HANDLE,
        what: 'its file handle is no longer open',
        todo: 'close the drive and open it again',
      };
    case 'ENOMEM':
      return {
        hr: HR.E_OUTOFMEMORY,
        what: 'the system is out of memory',
        todo: 'free memory and open the drive again',
      };
    default:
      return {
        hr: HR.ERROR_IO_DEVICE,
        what: 'the file system reported an error',
        todo: 'check the disk that holds it',
      };
  }
}

/**
 * `action` of `file` ('writing', 'reading', 'creating', …) failed with the file system's error
 * `e`; `at` adds where (`at LBA 512`). A DwError passes through as it is.
 */
export function imageFileError(file: string, action: string, e: unknown, at?: string): DwError {
  if (e instanceof DwError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const d = diagnose(typeof code === 'string' ? code : '');
  const reason = typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
  return new DwError(d.hr, {
    message: `virtual drive: ${action} ${file}${at === undefined ? '' : ` ${at}`} failed: ${d.what} (${reason}); ${d.todo}`,
    // The table's hint speaks of devices; this one of the file.
    hint: `${d.todo.charAt(0).toUpperCase()}${d.todo.slice(1)} (${file}).`,
    retryable: false,
    cause: e,
  });
}

/**
 * The image writer thread failed or ended (`what`: 'ended unexpectedly (exit code 1)', …):
 * nothing the drive accepted after that reaches `image`, and this drive cannot record to it.
 */
export function writerThreadError(image: string, what: string, cause: unknown): DwError {
  return TransportErrors.permanent(
    HR.ERROR_IO_DEVICE,
    `virtual drive: the image writer thread ${what} while recording to ${image}; blocks the drive accepted since its last SYNCHRONIZE CACHE may be missing from the image: close the drive, open it again and check the disc`,
    cause,
  );
}
