// What every view gets: the signed-in user, the live connection, navigation.

import { Emitter } from './emitter';
import type { LiveConnection } from './live';
import type { User } from './types';

export interface View {
  readonly el: HTMLElement;
  /** The page title (without the app's name). */
  title(): string;
  /** Builds the view's DOM again from its state, e.g. after a language change. */
  render(): void;
  /** Drops listeners and timers; the element is about to leave the page. */
  destroy(): void;
  /** Whether leaving now would lose work (a drawing, a board) the user
   * could still save; the app asks before it lets them go. */
  hasUnsavedChanges?(): boolean;
}

export class App {
  readonly userChanges = new Emitter<User | null>();
  private user: User | null = null;
  private pendingFlash: string | null = null;
  private leaveGuard: () => boolean = () => true;

  constructor(readonly live: LiveConnection) {}

  get me(): User | null {
    return this.user;
  }

  get username(): string | null {
    return this.user?.username ?? null;
  }

  setUser(user: User | null): void {
    this.user = user;
    this.userChanges.emit(user);
  }

  /** Set by main.ts: asks the user when the view on screen holds unsaved
   * work; true when the app may go on. */
  setLeaveGuard(guard: () => boolean): void {
    this.leaveGuard = guard;
  }

  /** Whether an action that throws away the current view (signing out, say)
   * may go ahead; asks the user when there is unsaved work. */
  mayLeave(): boolean {
    return this.leaveGuard();
  }

  navigate(hash: string): void {
    if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = hash;
  }

  /** A message for the next view to show (e.g. "Board deleted." after the
   * editor sends the user back to the list). */
  flash(message: string): void {
    this.pendingFlash = message;
  }

  takeFlash(): string | null {
    const message = this.pendingFlash;
    this.pendingFlash = null;
    return message;
  }
}
