// What to tell the user when a request fails, in their language. Pure.
//
// The server's `error.message` is English and written for developers (it
// names colours by hex code and dots by their index), so it is never shown.
// The sentence comes from `error.code`, the HTTP status and `error.field`
// (api.md, "Errors"), completed with what the app itself sent: the draft of
// a board tells which dot "dots[2]" is and what is wrong with it, the typed
// username tells whether it is too short or has a character that is not
// allowed.

import { ApiError } from './api';
import { translate, type Lang, type MessageKey, type Params } from './i18n';
import { colorName } from './palette';
import type { BoardDraft, Dot, Segment } from './types';

/** Limits of the contract, for the sentences that state them. */
export const LIMITS = {
  minSide: 2,
  maxSide: 50,
  maxName: 100,
  minUsername: 3,
  maxUsername: 32,
  minPassword: 8,
  maxPassword: 128,
} as const;

/** What was sent with the failed request, when it helps to say more. */
export interface ErrorContext {
  /** Sign in or sign up. */
  username?: string;
  password?: string;
  /** A board as sent to the server (dots in the order sent). */
  draft?: BoardDraft;
  /** A path as sent to the server. */
  segments?: readonly Segment[];
}

interface Sentence {
  key: MessageKey;
  params?: Params;
}

/** The sentence for a failed request (or any other thrown value). */
export function describeError(lang: Lang, err: unknown, ctx: ErrorContext = {}): string {
  const s = sentenceFor(lang, err, ctx);
  return translate(lang, s.key, s.params);
}

function sentenceFor(lang: Lang, err: unknown, ctx: ErrorContext): Sentence {
  if (!(err instanceof ApiError)) return { key: 'error.unexpected' };
  const wait = err.retryAfter;
  switch (err.code) {
    case 'network':
      return { key: 'error.network' };
    case 'invalid_credentials':
      return { key: 'error.wrongCredentials' };
    case 'invalid_token':
    case 'authentication_required':
      return { key: 'error.sessionEnded' };
    case 'too_many_attempts':
      return wait ? { key: 'error.tooManyAttemptsWait', params: { s: wait } } : { key: 'error.tooManyAttempts' };
    case 'username_taken':
      return ctx.username
        ? { key: 'error.usernameTaken', params: { username: ctx.username } }
        : { key: 'error.usernameTakenPlain' };
    case 'invalid_username':
      return usernameSentence(ctx.username);
    case 'invalid_password':
      return passwordSentence(ctx.password);
    case 'invalid_board':
      return boardSentence(lang, err.field, ctx.draft);
    case 'invalid_path':
      return pathSentence(lang, err.field, ctx.segments);
    case 'not_creator':
      return { key: 'editor.notOwner' };
    case 'not_found':
      return { key: 'error.notFound' };
    case 'origin_mismatch':
      return { key: 'error.origin' };
    case 'payload_too_large':
      return { key: 'error.tooLarge' };
  }
  switch (err.status) {
    case 401:
      return { key: 'error.sessionEnded' };
    case 403:
      return { key: 'error.forbidden' };
    case 404:
      return { key: 'error.notFound' };
    case 413:
      return { key: 'error.tooLarge' };
    case 429:
      return wait ? { key: 'error.tooManyAttemptsWait', params: { s: wait } } : { key: 'error.tooManyAttempts' };
    case 503:
      // busy (password hashing), unavailable, at_capacity,
      // database_unavailable: all "come back shortly".
      return wait ? { key: 'error.busyWait', params: { s: wait } } : { key: 'error.busy' };
  }
  if (err.status >= 500) return { key: 'error.internal' };
  return { key: 'error.refused', params: { code: err.code } };
}

function usernameSentence(username: string | undefined): Sentence {
  const n = username === undefined ? -1 : [...username].length;
  if (n >= 0 && (n < LIMITS.minUsername || n > LIMITS.maxUsername))
    return { key: 'error.usernameLength', params: { min: LIMITS.minUsername, max: LIMITS.maxUsername } };
  return { key: 'error.usernameChars' };
}

function passwordSentence(password: string | undefined): Sentence {
  // The limit is in UTF-8 bytes, which for most passwords are characters.
  if (password !== undefined && new TextEncoder().encode(password).length > LIMITS.maxPassword)
    return { key: 'error.passwordLong', params: { max: LIMITS.maxPassword } };
  return { key: 'error.passwordShort', params: { min: LIMITS.minPassword } };
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function boardSentence(lang: Lang, field: string | undefined, draft: BoardDraft | undefined): Sentence {
  if (field === 'name') {
    const name = (draft?.name ?? '').trim();
    if (name === '') return { key: 'error.nameEmpty' };
    if (CONTROL.test(name)) return { key: 'error.nameControl' };
    const n = [...name].length;
    if (n > LIMITS.maxName) return { key: 'error.nameLong', params: { max: LIMITS.maxName, n } };
    return { key: 'error.nameInvalid' };
  }
  if (field === 'rows' || field === 'cols') return { key: 'editor.sideRange' };
  if (field === 'dots') return { key: 'error.noDots' };
  const m = /^dots\[(\d+)\](\.color)?$/.exec(field ?? '');
  const dot: Dot | undefined = m && draft ? draft.dots[Number(m[1])] : undefined;
  if (!m || !draft || !dot) return { key: 'error.boardInvalid' };
  const where = { row: dot.row + 1, col: dot.col + 1 };
  if (m[2] === '.color') {
    const color = dot.color.toLowerCase();
    if (!/^#[0-9a-f]{6}$/.test(color)) return { key: 'error.dotColorInvalid', params: where };
    const n = draft.dots.filter((d) => d.color.toLowerCase() === color).length;
    const params = { color: colorName(lang, color), n };
    return n < 2 ? { key: 'error.colorOnce', params } : { key: 'error.colorTooMany', params };
  }
  if (dot.row < 0 || dot.col < 0 || dot.row >= draft.rows || dot.col >= draft.cols)
    return { key: 'error.dotOutside', params: { ...where, rows: draft.rows, cols: draft.cols } };
  return { key: 'error.dotTaken', params: where };
}

function pathSentence(lang: Lang, field: string | undefined, segments: readonly Segment[] | undefined): Sentence {
  const m = /^segments\[(\d+)\]/.exec(field ?? '');
  const seg = m && segments ? segments[Number(m[1])] : undefined;
  if (seg) return { key: 'error.pathColor', params: { color: colorName(lang, seg.color) } };
  return { key: 'error.path' };
}
