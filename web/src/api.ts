// The HTTP half of the contract. Authentication is the HttpOnly `session`
// cookie set by login: the app never sees the token, and same-origin fetches
// carry the cookie and an Origin header that the server checks.

import type { Board, BoardDraft, BoardPage, ErrorBody, SavedPath, Segment, User } from './types';

/** A failed request: the server's error object, or code "network" when no
 * answer came at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function errorFrom(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const e = (body as { error: Partial<ErrorBody> }).error;
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      return typeof e.field === 'string'
        ? new ApiError(status, e.code, e.message, e.field)
        : new ApiError(status, e.code, e.message);
    }
  }
  return new ApiError(status, `http_${status}`, `HTTP ${status}`);
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
  if (!res.ok) throw errorFrom(res.status, parsed);
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
