// Events of the live stream (/sse/notifications/) and what the app says about
// them. Pure: the EventSource itself lives in live.ts.

import { translate, type Lang } from './i18n';

export const EVENT_NAMES = ['newBoard', 'newPath', 'boardUpdated', 'boardDeleted', 'pathUpdated'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

interface BoardEventData {
  board_id: number;
  board_name: string;
  creator_username: string;
}

interface PathEventData {
  path_id: number;
  board_id: number;
  board_name: string;
  user_username: string;
}

export type LiveEvent =
  | { id: number; name: 'newBoard' | 'boardUpdated' | 'boardDeleted'; data: BoardEventData }
  | { id: number; name: 'newPath'; data: PathEventData }
  | { id: number; name: 'pathUpdated'; data: PathEventData & { complete: boolean } };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isText = (v: unknown): v is string => typeof v === 'string';

/**
 * One SSE message as the browser hands it over (event name, lastEventId,
 * data text) checked against the contract; null for anything else, so a
 * malformed frame is dropped instead of breaking the page.
 */
export function parseLiveEvent(name: string, lastEventId: string, dataText: string): LiveEvent | null {
  const id = Number(lastEventId);
  if (!/^\d+$/.test(lastEventId) || !isId(id)) return null;
  let data: unknown;
  try {
    data = JSON.parse(dataText);
  } catch {
    return null;
  }
  if (!isRecord(data) || !isId(data.board_id) || !isText(data.board_name)) return null;
  const boardId = data.board_id;
  const boardName = data.board_name;
  switch (name) {
    case 'newBoard':
    case 'boardUpdated':
    case 'boardDeleted':
      if (!isText(data.creator_username)) return null;
      return { id, name, data: { board_id: boardId, board_name: boardName, creator_username: data.creator_username } };
    case 'newPath':
    case 'pathUpdated': {
      if (!isId(data.path_id) || !isText(data.user_username)) return null;
      const base = {
        path_id: data.path_id,
        board_id: boardId,
        board_name: boardName,
        user_username: data.user_username,
      };
      if (name === 'newPath') return { id, name, data: base };
      return { id, name, data: { ...base, complete: data.complete === true } };
    }
    default:
      return null;
  }
}

/** The user an event is about: the board's creator or the path's owner. */
export function eventUser(ev: LiveEvent): string {
  return ev.name === 'newPath' || ev.name === 'pathUpdated' ? ev.data.user_username : ev.data.creator_username;
}

/** The sentence for an event, as shown in a toast and in the panel. */
export function eventText(lang: Lang, ev: LiveEvent): string {
  const params = { user: eventUser(ev), board: ev.data.board_name };
  switch (ev.name) {
    case 'newBoard':
      return translate(lang, 'event.newBoard', params);
    case 'newPath':
      return translate(lang, 'event.newPath', params);
    case 'boardUpdated':
      return translate(lang, 'event.boardUpdated', params);
    case 'boardDeleted':
      return translate(lang, 'event.boardDeleted', params);
    case 'pathUpdated':
      return translate(lang, ev.data.complete ? 'event.pathSolved' : 'event.pathUpdated', params);
  }
}

/** The board a notification leads to; none once the board is gone. */
export function eventBoardId(ev: LiveEvent): number | null {
  return ev.name === 'boardDeleted' ? null : ev.data.board_id;
}

function sameUser(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Whether an event pops up as a toast. People are not told about their own
 * actions, and re-saves of a path (pathUpdated) are frequent enough that they
 * only go to the panel.
 */
export function wantsToast(ev: LiveEvent, me: string | null): boolean {
  if (ev.name === 'pathUpdated') return false;
  return me === null || !sameUser(eventUser(ev), me);
}

/**
 * Whether an event adds to the unread count of the notifications button.
 * The signed-in user's own actions go to the panel as a record, but they are
 * nothing new to them; a reset (null) is news.
 */
export function countsAsUnread(ev: LiveEvent | null, me: string | null): boolean {
  return ev === null || me === null || !sameUser(eventUser(ev), me);
}

/** Whether `username` created the board (usernames are unique regardless of
 * case, so they are compared that way). */
export function isCreator(creator: string, username: string | null): boolean {
  return username !== null && sameUser(creator, username);
}

/** How long after a page was last alive its successor (a reload in the same
 * tab) still asks the server to replay what happened in between. Older
 * positions are dropped so a tab restored days later is not flooded. */
export const RESUME_WINDOW_MS = 10 * 60 * 1000;

/** The event id to resume from, read from what a page stored on its way out
 * (`{"id": 42, "at": <ms>}`); 0 when there is nothing recent to resume. */
export function resumePoint(stored: string | null, now: number): number {
  if (stored === null) return 0;
  try {
    const v: unknown = JSON.parse(stored);
    if (!isRecord(v) || !isId(v.id) || typeof v.at !== 'number') return 0;
    return now - v.at >= 0 && now - v.at <= RESUME_WINDOW_MS ? v.id : 0;
  } catch {
    return 0;
  }
}
