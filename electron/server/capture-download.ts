/**
 * GET /api/capture.pcap?lab=LAB&link=LINK: the pcap of a link's (or bridge's) running or last capture, for the page
 * to save. The request names a lab and a link, never a path: the file is the one the engine says it wrote for that
 * capture (`captureFile`), opened without following a link and sent only when it is a regular file of this server's
 * user.
 */
import { createReadStream, constants, fstatSync, openSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import type { ServerResponse } from 'node:http';
import { fail, type EngineApi } from '../../shared/api';
import { checkRequest } from '../../shared/wire';

/** The route's path. */
export const CAPTURE_ROUTE = '/api/capture.pcap';

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Answers a download of a capture's pcap. */
export async function sendCapture(
  engine: EngineApi | undefined,
  params: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  if (!engine) return answer(res, 503, fail('INTERNAL', 'this server runs no lab engine'));
  const checked = checkRequest({ type: 'captureFile', lab: params.get('lab') ?? '', link: params.get('link') ?? '' });
  if (!checked.ok || checked.request.type !== 'captureFile')
    return answer(res, 400, fail('INVALID_REQUEST', checked.ok ? 'not a capture request' : checked.message));
  const { lab, link } = checked.request;
  const r = await engine.request(checked.request);
  if (!r.ok) return answer(res, r.error.code === 'INVALID_REQUEST' ? 400 : 404, r);
  if (r.file === null) return answer(res, 404, fail('INVALID_REQUEST', `${link} of lab ${lab} has not been captured`));
  let fd: number;
  try {
    fd = openSync(r.file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    return answer(res, 404, fail('INTERNAL', `the pcap ${r.file} cannot be read: ${(error as Error).message}`));
  }
  const st = fstatSync(fd);
  if (!st.isFile() || st.uid !== process.geteuid?.()) {
    closeSync(fd);
    return answer(res, 403, fail('INVALID_REQUEST', `${r.file} is not a pcap of this server's user: refused`));
  }
  res.writeHead(200, {
    'content-type': 'application/vnd.tcpdump.pcap',
    'content-length': String(st.size),
    'content-disposition': `attachment; filename="${`${lab}-${basename(r.file)}`.replace(/[^\w.-]/g, '_')}"`,
    'cache-control': 'no-store',
  });
  // The size read now: a capture still running keeps growing, and the next download has the rest.
  await new Promise<void>((resolve) => {
    const stream = createReadStream('', { fd, start: 0, end: Math.max(0, st.size - 1), autoClose: true });
    if (st.size === 0) {
      stream.destroy();
      res.end();
      return resolve();
    }
    stream.on('error', () => (res.destroy(), resolve()));
    stream.on('end', () => resolve());
    stream.pipe(res);
  });
}
