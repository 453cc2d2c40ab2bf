// Shapes of the API contract (shared/spec/api.md) as the browser sees them.

export interface User {
  id: number;
  username: string;
}

export interface Dot {
  row: number;
  col: number;
  color: string;
}

export interface BoardDraft {
  name: string;
  rows: number;
  cols: number;
  dots: Dot[];
}

export interface Board extends BoardDraft {
  id: number;
  creator_username: string;
  created_at: string;
  updated_at: string;
}

export interface BoardPage {
  boards: Board[];
  next: number | null;
}

/** A cell as the contract writes it: [row, col]. */
export type Cell = readonly [number, number];

export interface Segment {
  color: string;
  cells: Cell[];
}

export interface SavedPath {
  id: number;
  board_id: number;
  user_username: string;
  segments: Segment[];
  complete: boolean;
  created_at: string;
  updated_at: string;
}

/** The `error` object of every error response. */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
}
