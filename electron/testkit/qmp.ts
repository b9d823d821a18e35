import { createConnection } from 'node:net';

/**
 * Ask a QEMU QMP socket for its run state: read the greeting, negotiate capabilities, send query-status.
 * Resolves to the `status` field ("prelaunch", "paused", "running", …); rejects on timeout or a QMP error.
 */
export function qmpQueryStatus(socket: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let buf = '';
    let stage: 'greeting' | 'caps' | 'status' = 'greeting';
    const finish = (err: Error | null, value?: string) => {
      clearTimeout(timer);
      conn.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new Error(`QMP ${socket}: no answer within ${timeoutMs} ms (stage ${stage})`)),
      timeoutMs,
    );
    conn.on('error', (e) => finish(new Error(`QMP ${socket}: ${e.message}`)));
    conn.on('data', (d) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return finish(new Error(`QMP ${socket}: not JSON: ${line}`));
        }
        if ('event' in msg) continue;
        if ('error' in msg) return finish(new Error(`QMP ${socket}: ${JSON.stringify(msg.error)}`));
        if (stage === 'greeting' && 'QMP' in msg) {
          stage = 'caps';
          conn.write('{"execute":"qmp_capabilities"}\n');
        } else if (stage === 'caps' && 'return' in msg) {
          stage = 'status';
          conn.write('{"execute":"query-status"}\n');
        } else if (stage === 'status' && 'return' in msg) {
          const ret = msg.return as { status?: unknown };
          return finish(null, String(ret.status));
        }
      }
    });
  });
}
