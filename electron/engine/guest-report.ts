/**
 * What a guest says about its own network once it is up: the tiny guest's init prints one `QNET-READY` line on its
 * serial console with each interface's address. The console is the guest's to write, so only well-formed IPv4
 * addresses are taken from it, for the NICs the plan gave the guest.
 */
import type { NicFact } from '../../shared/compiler/plan';
import { parseReadyLine, READY_MARKER } from '../guest/ready';
import type { RingBuffer } from './ring-buffer';

/** A line longer than this is no ready line; only its end is kept while looking for the next newline. */
const MAX_LINE = 4096;
const IPV4_CIDR =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(?:3[0-2]|[12]?\d)$/;

/** The addresses of a ready line by NIC id: interface N is the guest's ethN, which the compiler gave NIC N's hints. */
export function reportedAddresses(
  line: string,
  nics: readonly Pick<NicFact, 'nic'>[],
): Record<string, string> | undefined {
  const ready = parseReadyLine(line);
  if (!ready) return undefined;
  const out: Record<string, string> = {};
  nics.forEach((nic, i) => {
    const address = ready.interfaces[i];
    if (address !== undefined && IPV4_CIDR.test(address)) out[nic.nic] = address;
  });
  return out;
}

/**
 * Watches a console's bytes for ready lines (the tiny guest prints one per boot) and hands `onReport` the addresses
 * of each. Returns the function that stops watching.
 */
export function watchGuestReport(
  buffer: RingBuffer,
  nics: readonly Pick<NicFact, 'nic'>[],
  onReport: (addresses: Record<string, string>) => void,
): () => void {
  let line = '';
  return buffer.subscribe((chunk) => {
    const text = line + chunk.toString('latin1');
    const lines = text.split('\n');
    line = lines.pop()!.slice(-MAX_LINE);
    for (const l of lines) {
      if (!l.includes(READY_MARKER)) continue;
      const addresses = reportedAddresses(l, nics);
      if (addresses) onReport(addresses);
    }
  });
}
