// `discwright report <log.ndjson> -o <report.html>`: renders a burn log (`--log`) as one
// self-contained HTML page (report-data.ts for the figures, report-html.ts for the page). The
// log is checked line by line; one that is not a discwright burn log is a usage error.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { DwError, HR, invalidArgument } from '../errors.js';
import { outputFileError, parseLog } from './burn-log.js';
import { exitCodeFor } from './exit-codes.js';
import { errorReport } from './format.js';
import { println, type CliIo } from './io.js';
import { reportData } from './report-data.js';
import { reportHtml } from './report-html.js';

/** Logs larger than this are refused rather than read into memory (a BD-R DL is ~1 GB of log). */
export const MAX_LOG_BYTES = 2 ** 30;

export async function reportCommand(
  io: CliIo,
  logPath: string,
  o: { readonly output: string },
): Promise<number> {
  try {
    let text: string;
    try {
      const st = await stat(logPath);
      if (!st.isFile()) throw invalidArgument(`${logPath} is not a file`);
      if (st.size > MAX_LOG_BYTES) {
        throw invalidArgument(`${logPath} is larger than ${MAX_LOG_BYTES} bytes`);
      }
      text = await readFile(logPath, 'utf8');
    } catch (e) {
      if (e instanceof DwError) throw e;
      const code = (e as { code?: unknown } | null)?.code;
      throw new DwError(code === 'ENOENT' ? HR.STG_E_FILENOTFOUND : HR.STG_E_READFAULT, {
        message: `cannot read ${logPath}: ${e instanceof Error ? e.message : String(e)}`,
        cause: e,
        hint: 'Give the file a write-section --log wrote.',
      });
    }
    const data = reportData(parseLog(text, logPath));
    try {
      await writeFile(o.output, reportHtml(data));
    } catch (e) {
      throw outputFileError(o.output, e);
    }
    println(
      io.stdout,
      `wrote ${o.output}: ${data.updates} updates, ${data.summary.retries} retries, ${data.markers.length} events`,
    );
    return 0;
  } catch (e) {
    println(io.stderr, errorReport(e));
    return exitCodeFor(e);
  }
}
