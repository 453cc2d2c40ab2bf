// Starts the app: who is signed in, the one live connection, the router.

import { api } from './api';
import { App, type View } from './app';
import { h } from './dom';
import { currentLang, parseLang, setCurrentLang, t, type Lang } from './i18n';
import { LiveConnection } from './live';
import { Notifier } from './notifier';
import { parseRoute } from './router';
import { AuthView } from './views/auth';
import { BoardsView } from './views/boards';
import { NotFoundView } from './views/common';
import { EditorView } from './views/editor';
import { Header } from './views/header';
import { PlayView } from './views/play';

const LANG_KEY = 'dots.lang';

function storedLang(): Lang {
  try {
    return parseLang(localStorage.getItem(LANG_KEY));
  } catch {
    return 'en';
  }
}

function viewFor(app: App, hash: string): View {
  const route = parseRoute(hash);
  switch (route.name) {
    case 'boards':
      return new BoardsView(app);
    case 'new':
      return new EditorView(app, null);
    case 'edit':
      return new EditorView(app, route.id);
    case 'play':
      return new PlayView(app, route.id);
    case 'signin':
    case 'signup':
      return new AuthView(app, route.name, route.next);
    case 'notFound':
      return new NotFoundView();
  }
}

async function start(): Promise<void> {
  setCurrentLang(storedLang());
  document.documentElement.lang = currentLang();

  const live = new LiveConnection('/sse/notifications/');
  const app = new App(live);
  const notifier = new Notifier(app);
  const main = h('main', { id: 'main', tabindex: -1 });
  let view: View | null = null;
  let firstView = true;

  const setTitle = (): void => {
    document.title = view ? `${view.title()} · ${t('app.name')}` : t('app.name');
  };

  // The route on screen: a refused navigation puts it back in the address bar.
  let shownHash = '';

  const show = (): void => {
    notifier.toggle(false);
    shownHash = location.hash;
    view?.destroy();
    view = viewFor(app, location.hash);
    main.replaceChildren(view.el);
    setTitle();
    // Moving focus to the new page's heading tells screen readers the page
    // changed, as a full page load would (which needs no help).
    if (!firstView) view.el.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
    firstView = false;
    window.scrollTo(0, 0);
    notifier.place();
  };

  /** Whether the page may move on: asks first when it holds unsaved work. */
  const mayLeave = (): boolean => !view?.hasUnsavedChanges?.() || window.confirm(t('unsaved.leave'));
  app.setLeaveGuard(mayLeave);

  const onHashChange = (): void => {
    // app.navigate() to the route on screen re-renders it; that loses nothing.
    if (location.hash !== shownHash && !mayLeave()) {
      // The hash has already changed; put the shown route back without a new
      // history entry (replaceState fires no hashchange).
      history.replaceState(null, '', shownHash);
      return;
    }
    show();
  };

  const header = new Header(app, notifier, (lang) => {
    setCurrentLang(lang);
    document.documentElement.lang = lang;
    try {
      localStorage.setItem(LANG_KEY, lang);
    } catch {
      // Private modes may refuse storage; the choice then lasts this page.
    }
    header.render();
    notifier.render();
    view?.render();
    setTitle();
    document.getElementById('lang')?.focus();
  });

  document.body.replaceChildren(header.el, main, notifier.panel, notifier.toastRegion);
  notifier.attachTo(header.el);

  try {
    app.setUser(await api.me());
  } catch {
    app.setUser(null);
  }
  header.render();
  live.start();
  window.addEventListener('hashchange', onHashChange);
  // A reload, a closed tab or another address: the browser asks with its own
  // words (pages cannot choose the text any more).
  window.addEventListener('beforeunload', (e) => {
    if (view?.hasUnsavedChanges?.()) e.preventDefault();
  });
  if (location.hash === '' || location.hash === '#' || location.hash === '#/')
    history.replaceState(null, '', '#/boards');
  show();
}

void start();
