// When the live stream is reopened after it failed. Pure: the EventSource
// itself lives in live.ts.
//
// After a restart every open page loses its stream at the same moment; if
// they all came back after the same fixed wait, the server would meet them
// all at once again (and refuse most past its stream cap). So each wait is
// drawn at random from a window, as the server's own Retry-After for a
// refused stream is: from the `retry:` hint the stream opens with to twice
// that (api.md, "Live notifications"; DEVELOPERS.md, "Reconnect storms").
// EventSource cannot read that Retry-After, so the app uses the same window
// without it.

/** The server's `retry:` hint, 3 s: the shortest wait before a reopen. */
export const RETRY_MS = 3000;
/** The window of a refused stream's waits stops doubling here; a wait is
 * at most twice this. */
export const MAX_RETRY_BASE_MS = 15_000;

/**
 * How long to wait before reopening the stream, in ms: uniformly from
 * `base` to `2 * base`, where `base` is RETRY_MS for a dropped connection
 * and doubles with every refusal in a row (an HTTP error such as 503, which
 * says the server is full) up to MAX_RETRY_BASE_MS.
 *
 * @param refusals refusals in a row before this reopen (0: none, the
 *   connection was dropped)
 * @param random a number in [0, 1), Math.random by default; tests inject
 *   their own
 */
export function reconnectDelay(refusals: number, random: () => number = Math.random): number {
  const base = Math.min(RETRY_MS * 2 ** Math.max(0, refusals), MAX_RETRY_BASE_MS);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 + r));
}
