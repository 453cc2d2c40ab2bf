// The HTTP half of the contract. Authentication is the HttpOnly `session`
// cookie set by login: the app never sees the token, and same-origin fetches
// carry the cookie and an Origin header that the server checks.

import type { Board, BoardDraft, BoardPage, ErrorBody, SavedPath, Segment, User } from './types';

/** A failed request: the server's error object, or code "network" when no
 * answer came at all. `message` is the server's English text, for logs and
 * tests only: what the user reads comes from `describeError` (errors.ts), in
 * their language. `retryAfter` is the Retry-After header in seconds (429,
 * 503), when the server sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Retry-After in whole seconds; the HTTP-date form is not used by the
 * server, and anything unreadable counts as absent. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value.trim());
}

function errorFrom(status: number, body: unknown, retryAfter: number | undefined): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const e = (body as { error: Partial<ErrorBody> }).error;
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      const field = typeof e.field === 'string' && e.field !== '' ? e.field : undefined;
      return new ApiError(status, e.code, e.message, field, retryAfter);
    }
  }
  return new ApiError(status, `http_${status}`, `HTTP ${status}`, undefined, retryAfter);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'network error');
  }
  if (res.status === 204) return undefined as T;
  let parsed: unknown = null;
  const text = await res.text();
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!res.ok) throw errorFrom(res.status, parsed, parseRetryAfter(res.headers.get('Retry-After')));
  return parsed as T;
}

export const api = {
  register: (username: string, password: string): Promise<User> =>
    request('POST', '/api/auth/register', { username, password }),

  login: (username: string, password: string): Promise<{ username: string }> =>
    request('POST', '/api/auth/login', { username, password }),

  logout: (): Promise<void> => request('POST', '/api/auth/logout'),

  /** The signed-in user, or null when signed out (401). */
  async me(): Promise<User | null> {
    try {
      return await request<User>('GET', '/api/auth/me');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },

  listBoards(opts: { mine?: boolean; after?: number | null; limit?: number } = {}): Promise<BoardPage> {
    const q = new URLSearchParams();
    if (opts.mine) q.set('mine', '1');
    q.set('limit', String(opts.limit ?? 50));
    if (opts.after != null) q.set('after', String(opts.after));
    return request('GET', `/api/boards?${q.toString()}`);
  },

  getBoard: (id: number): Promise<Board> => request('GET', `/api/boards/${id}`),

  createBoard: (draft: BoardDraft): Promise<Board> => request('POST', '/api/boards', draft),

  updateBoard: (id: number, draft: BoardDraft): Promise<Board> => request('PUT', `/api/boards/${id}`, draft),

  deleteBoard: (id: number): Promise<void> => request('DELETE', `/api/boards/${id}`),

  /** The caller's own path on a board, or null when there is none (404). */
  async getPath(boardId: number): Promise<SavedPath | null> {
    try {
      return await request<SavedPath>('GET', `/api/boards/${boardId}/path`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  },

  savePath: (boardId: number, segments: Segment[]): Promise<SavedPath> =>
    request('PUT', `/api/boards/${boardId}/path`, { segments }),

  deletePath: (boardId: number): Promise<void> => request('DELETE', `/api/boards/${boardId}/path`),
};
