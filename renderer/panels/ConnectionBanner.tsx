import { useEffect, useState } from 'react';
import { useConnection } from '../api/connection';
import { reconnectNow } from '../api/engine';

/** Seconds since `since`, ticking once a second while shown. */
function useSecondsSince(since: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (since === null) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [since]);
  return since === null ? 0 : Math.max(0, Math.round((now - since) / 1000));
}

/**
 * Shown while the page has lost its server: what is wrong, that it keeps retrying, what waits meanwhile, and a
 * button to retry at once. Labs keep running on the server; the page reads their state again when it is back.
 */
export function ConnectionBanner() {
  const status = useConnection((s) => s.status);
  const since = status.state === 'disconnected' ? status.since : null;
  const seconds = useSecondsSince(since);
  if (status.state !== 'disconnected') return null;
  return (
    <div
      className="connection-banner"
      role="alert"
      data-testid="connection-banner"
      data-refused={status.refused}
      data-attempts={status.attempts}
    >
      <strong>Disconnected from the server</strong>{' '}
      {status.refused
        ? 'The server now refuses this page’s token (it was restarted): open the URL qnet serve printed.'
        : `Lost ${seconds} s ago; retrying (${status.attempts} attempt${status.attempts === 1 ? '' : 's'} so far).`}{' '}
      Launch, Stop, Validate and console input wait until it is back; labs already running keep running on the server.{' '}
      <button type="button" data-testid="connection-banner__retry" onClick={reconnectNow}>
        Retry now
      </button>
    </div>
  );
}
