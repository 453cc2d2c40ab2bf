// Hash routes, so the server only ever serves / and the static files.

export type Route =
  | { name: 'boards' }
  | { name: 'new' }
  | { name: 'play'; id: number }
  | { name: 'edit'; id: number }
  | { name: 'signin'; next: string | null }
  | { name: 'signup'; next: string | null }
  | { name: 'notFound' };

function parseId(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9]\d{0,17}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/** Only a route of this app may follow a sign-in, never another address. */
function safeNext(value: string | null): string | null {
  return value !== null && value.startsWith('#/') ? value : null;
}

export function parseRoute(hash: string): Route {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const [pathPart = '', query = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter((p) => p !== '');
  const params = new URLSearchParams(query);
  if (parts.length === 0) return { name: 'boards' };
  const [first, second, third] = parts;
  if (first === 'boards') {
    if (second === undefined) return { name: 'boards' };
    const id = parseId(second);
    if (id === null || parts.length > 3) return { name: 'notFound' };
    if (third === undefined) return { name: 'play', id };
    if (third === 'edit') return { name: 'edit', id };
    return { name: 'notFound' };
  }
  if (parts.length === 1) {
    if (first === 'new') return { name: 'new' };
    if (first === 'signin') return { name: 'signin', next: safeNext(params.get('next')) };
    if (first === 'signup') return { name: 'signup', next: safeNext(params.get('next')) };
  }
  return { name: 'notFound' };
}

export const href = {
  boards: (): string => '#/boards',
  newBoard: (): string => '#/new',
  play: (id: number): string => `#/boards/${id}`,
  edit: (id: number): string => `#/boards/${id}/edit`,
  signin: (next?: string): string => (next ? `#/signin?next=${encodeURIComponent(next)}` : '#/signin'),
  signup: (next?: string): string => (next ? `#/signup?next=${encodeURIComponent(next)}` : '#/signup'),
};
