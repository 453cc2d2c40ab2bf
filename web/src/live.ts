// The app's one EventSource to /sse/notifications/. When the stream fails,
// whether the connection dropped (the browser would retry by itself, after
// the same fixed `retry:` wait on every page) or the server refused it (an
// HTTP error such as 503, after which the browser gives up), it is closed
// and a new EventSource opened after a random wait (reconnect.ts), passing
// the last id in the query so that the server replays what was missed.
// The last id also outlives a reload of the tab (sessionStorage), because a
// new page has no id of its own until an event arrives, and a stream that is
// cut before then could not resume at all.

import { Emitter } from './emitter';
import { EVENT_NAMES, parseLiveEvent, resumePoint, type LiveEvent } from './events';
import { reconnectDelay } from './reconnect';

export type ConnState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

const RESUME_KEY = 'dots.lastEvent';

export class LiveConnection {
  readonly events = new Emitter<LiveEvent>();
  /** The server could not replay everything that was missed (`reset`). */
  readonly resets = new Emitter<void>();
  /** Events may have been missed (a reset, or a stream that was cut before
   * it had an id to resume from): whatever is shown should be reloaded. */
  readonly resyncs = new Emitter<void>();
  readonly states = new Emitter<ConnState>();

  private source: EventSource | null = null;
  private lastId = 0;
  /** Refusals in a row (HTTP errors); each doubles the next wait. */
  private refusals = 0;
  private retryTimer: number | undefined;
  private current: ConnState = 'connecting';
  private wasCut = false;

  /**
   * @param url the stream's URL
   * @param random the source of the reconnect waits' jitter, a number in
   *   [0, 1); tests inject their own
   */
  constructor(
    private readonly url: string,
    private readonly random: () => number = Math.random,
  ) {}

  get state(): ConnState {
    return this.current;
  }

  start(): void {
    this.lastId = resumePoint(readStored(), Date.now());
    window.addEventListener('pagehide', () => this.remember());
    window.addEventListener('offline', () => this.setState('offline'));
    window.addEventListener('online', () => {
      if (this.source === null) this.reopenNow();
      else if (this.current === 'offline') this.setState('reconnecting');
    });
    this.open();
  }

  private open(): void {
    const url = this.lastId > 0 ? `${this.url}?lastEventId=${this.lastId}` : this.url;
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      this.refusals = 0;
      if (this.wasCut && this.lastId === 0) this.resyncs.emit();
      this.wasCut = false;
      this.setState('connected');
    };
    source.onerror = () => {
      this.wasCut = true;
      // CLOSED: the browser gave up, the server answered with an error.
      // CONNECTING: the connection dropped; the browser's own retry would
      // come after the fixed `retry:` wait, at the same moment on every page,
      // so the app takes over with a random one.
      const refused = source.readyState === EventSource.CLOSED;
      source.close();
      this.source = null;
      this.setState(navigator.onLine ? 'reconnecting' : 'offline');
      this.scheduleReopen(refused);
    };
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (m) => this.deliver(name, m));
    }
    source.addEventListener('reset', () => {
      this.resets.emit();
      this.resyncs.emit();
    });
  }

  private deliver(name: string, message: MessageEvent): void {
    const ev = parseLiveEvent(name, message.lastEventId, String(message.data));
    // Ids only grow, so an id already seen is a replay overlap after a
    // reopen with ?lastEventId (the server may also honour the header).
    if (ev === null || ev.id <= this.lastId) return;
    this.lastId = ev.id;
    this.remember();
    this.events.emit(ev);
  }

  private remember(): void {
    if (this.lastId === 0) return;
    try {
      sessionStorage.setItem(RESUME_KEY, JSON.stringify({ id: this.lastId, at: Date.now() }));
    } catch {
      // Without storage a reload just starts from the live events.
    }
  }

  private scheduleReopen(refused: boolean): void {
    window.clearTimeout(this.retryTimer);
    const delay = reconnectDelay(refused ? this.refusals : 0, this.random);
    if (refused) this.refusals++;
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }

  private reopenNow(): void {
    window.clearTimeout(this.retryTimer);
    this.setState('reconnecting');
    this.open();
  }

  private setState(state: ConnState): void {
    if (state === this.current) return;
    this.current = state;
    this.states.emit(state);
  }
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(RESUME_KEY);
  } catch {
    return null;
  }
}
