// The file `discwright read -o <file>` writes: checked before the recorder is opened (a
// directory, or a path into a directory that does not exist, is refused before anything is read),
// and its file-system errors reported as discwright errors that name the file, with an HRESULT
// and what to do (docs/virtual-drive.md, "Damaged or missing files").

import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DwError, HR, invalidArgument } from '../errors.js';

/** A file-system error met while `action` (`creating`, `writing`) the output `path`. */
export function outputFileError(path: string, action: string, e: unknown): DwError {
  if (e instanceof DwError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reason = code === '' ? (e instanceof Error ? e.message : String(e)) : code;
  const at = `${action} the output ${path} failed (${reason})`;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new DwError(HR.STG_E_FILENOTFOUND, {
        message: `${at}: its directory ${dirname(path)} does not exist`,
        hint: 'Check the -o path, or create the directory first.',
        cause: e,
      });
    case 'EISDIR':
      return invalidArgument(`-o ${path} is a directory; name a file (e.g. ${path}/blocks.bin)`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new DwError(HR.E_ACCESSDENIED, {
        message: `${at}: ${code === 'EROFS' ? 'its file system is read-only' : 'permission denied'}`,
        hint: 'Write the output where this user may create files, or make the directory writable.',
        cause: e,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new DwError(HR.ERROR_DISK_FULL, {
        message: `${at}: its file system is full`,
        hint: 'Free space there, or write the output to another file system.',
        cause: e,
      });
    default:
      return new DwError(HR.ERROR_IO_DEVICE, {
        message: `${at}`,
        hint: 'Check the disk that holds the output file.',
        cause: e,
      });
  }
}

/** Refuses an output that is a directory or lies in a directory that does not exist. */
export async function checkOutputPath(path: string): Promise<void> {
  const st = await stat(path).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw outputFileError(path, 'examining', e);
  });
  if (st?.isDirectory() === true) throw outputFileError(path, 'creating', { code: 'EISDIR' });
  if (st !== undefined) return;
  const directory = await stat(dirname(path)).catch((e: unknown) => {
    throw outputFileError(path, 'creating', e);
  });
  if (!directory.isDirectory()) throw outputFileError(path, 'creating', { code: 'ENOTDIR' });
}

/** Creates (or truncates) the output file. */
export async function openOutput(path: string): Promise<FileHandle> {
  return open(path, 'w').catch((e: unknown) => {
    throw outputFileError(path, 'creating', e);
  });
}
