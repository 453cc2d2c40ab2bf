// Texts of the app in English (the default) and Polish. Pure: the chosen
// language is remembered by main.ts, not here.

export type Lang = 'en' | 'pl';

export const LANGS: readonly Lang[] = ['en', 'pl'];

const en = {
  'app.name': 'Dots',
  'app.tagline': 'Connect the dots',
  'nav.skip': 'Skip to content',
  'nav.main': 'Main',
  'nav.boards': 'Boards',
  'nav.new': 'New board',
  'lang.label': 'Language',
  'lang.en': 'English',
  'lang.pl': 'Polski',

  'auth.signedInAs': 'Signed in as',
  'auth.signIn': 'Sign in',
  'auth.signUp': 'Sign up',
  'auth.signOut': 'Sign out',
  'auth.username': 'Username',
  'auth.password': 'Password',
  'auth.signInTitle': 'Sign in',
  'auth.signUpTitle': 'Create an account',
  'auth.haveAccount': 'Already have an account?',
  'auth.noAccount': 'No account yet?',
  'auth.usernameHint': '3–32 characters: letters, digits, _ . -',
  'auth.passwordHint': 'At least 8 characters.',
  'auth.working': 'Please wait…',
  'auth.signInToEdit': 'Sign in to create and edit boards.',
  'auth.signInToSave': 'Sign in to save your path.',
  'auth.signedOut': 'You are signed out.',

  'conn.label': 'Live updates',
  'conn.connecting': 'Connecting…',
  'conn.connected': 'Connected',
  'conn.reconnecting': 'Reconnecting…',
  'conn.offline': 'Offline',

  'notif.button': 'Notifications',
  'notif.unread': '{n} new',
  'notif.title': 'Recent notifications',
  'notif.empty': 'No notifications yet.',
  'notif.close': 'Close',
  'notif.dismiss': 'Dismiss',
  'notif.open': 'Open the board',
  'notif.region': 'Live notifications',

  'event.newBoard': 'User {user} created a new board: {board}.',
  'event.newPath': 'User {user} saved a path on board: {board}.',
  'event.boardUpdated': 'User {user} changed the board: {board}.',
  'event.boardDeleted': 'User {user} deleted the board: {board}.',
  'event.pathUpdated': 'User {user} updated a path on board: {board}.',
  'event.pathSolved': 'User {user} solved the board: {board}.',
  'event.reset': 'Some notifications were missed while offline; the lists were refreshed.',

  'boards.title': 'Boards',
  'boards.mine': 'Only my boards',
  'boards.col.name': 'Name',
  'boards.col.size': 'Size',
  'boards.col.creator': 'Creator',
  'boards.col.age': 'Created',
  'boards.col.actions': 'Actions',
  'boards.size': '{rows} × {cols}',
  'boards.play': 'Play',
  'boards.edit': 'Edit',
  'boards.delete': 'Delete',
  'boards.confirmDelete': 'Delete “{board}” for good?',
  'boards.confirm': 'Yes, delete',
  'boards.cancel': 'Cancel',
  'boards.deleted': 'Board “{board}” deleted.',
  'boards.empty': 'No boards yet.',
  'boards.emptyMine': 'You have not created any boards yet.',
  'boards.loadMore': 'Load more',
  'boards.loading': 'Loading…',
  'boards.count': 'Boards shown: {n}',

  'editor.titleNew': 'New board',
  'editor.titleEdit': 'Edit board',
  'editor.name': 'Name',
  'editor.rows': 'Rows',
  'editor.cols': 'Columns',
  'editor.generate': 'Generate grid',
  'editor.palette': 'Colour',
  'editor.help':
    'Pick a colour, then click two empty cells. Click a dot to remove it. With the keyboard: arrow keys move, Enter places or removes a dot.',
  'editor.count': '{n} of 2 dots',
  'editor.dots': 'Dots',
  'editor.save': 'Save',
  'editor.saving': 'Saving…',
  'editor.delete': 'Delete board',
  'editor.created': 'Board created.',
  'editor.saved': 'Board saved.',
  'editor.play': 'Play this board',
  'editor.sideRange': 'Rows and columns must be whole numbers from 2 to 50.',
  'editor.dropped': 'Dots outside the new grid were removed: {n}.',
  'editor.colorFull': 'This colour already has two dots. Pick another colour or remove one of its dots.',
  'editor.notOwner': 'Only the creator of this board can edit it.',
  'editor.grid': 'Board grid',
  'editor.deletedElsewhere': 'This board was deleted.',

  'play.by': 'by {user}',
  'play.help':
    'Drag from a dot through neighbouring cells, or click a dot and then the next cells. Keyboard: arrow keys move, Enter picks up the dot or path end under the cursor, then arrow keys draw; Backspace undoes a step, Escape lets go.',
  'play.grid': 'Puzzle grid',
  'play.undo': 'Undo',
  'play.clear': 'Clear',
  'play.clearColor': 'Clear {color}',
  'play.clearAll': 'Clear all',
  'play.save': 'Save path',
  'play.saving': 'Saving…',
  'play.saved': 'Path saved.',
  'play.savedState': 'All changes saved.',
  'play.unsaved': 'Unsaved changes.',
  'play.removed': 'Saved path removed.',
  'play.nothing': 'Draw at least one line first.',
  'play.solved': 'Solved! Every colour is connected.',
  'play.progress': '{done} of {total} colours connected',
  'play.legend': 'Colours',
  'play.joined': 'connected',
  'play.open': 'not connected',
  'play.active': 'Drawing {color}.',
  'play.startOnDot': 'Start on a dot or on the end of a line.',
  'play.violation.crossing': 'Paths cannot cross: this cell already belongs to {color}.',
  'play.violation.foreignDot': 'A path cannot enter another colour’s dot ({color}).',
  'play.violation.notAdjacent': 'Continue from the end of the line, one cell up, down, left or right.',
  'play.violation.alreadyConnected': '{color} is already connected.',
  'play.violation.outside': 'That cell is outside the board.',
  'play.boardChanged': 'The creator changed this board.',
  'play.reload': 'Reload the board',
  'play.boardDeleted': 'This board was deleted.',
  'play.edit': 'Edit',

  'cell.label': 'Row {row}, column {col}',
  'cell.dot': '{color} dot',
  'cell.path': '{color} line',

  'error.network': 'Cannot reach the server. Check the connection and try again.',
  'error.notFound': 'Board not found.',
  'error.sessionEnded': 'Your session has ended; sign in again.',
  'error.server': 'The server said: {message}',
  'error.page': 'Page not found.',
  back: 'Back to the boards',

  'color.red': 'red',
  'color.green': 'green',
  'color.blue': 'blue',
  'color.yellow': 'yellow',
  'color.orange': 'orange',
  'color.purple': 'purple',
  'color.cyan': 'cyan',
  'color.magenta': 'magenta',
  'color.lime': 'lime',
  'color.brown': 'brown',
  'color.teal': 'teal',
  'color.pink': 'pink',
} as const;

export type MessageKey = keyof typeof en;
type Dictionary = Record<MessageKey, string>;

const pl: Dictionary = {
  'app.name': 'Dots',
  'app.tagline': 'Połącz kropki',
  'nav.skip': 'Przejdź do treści',
  'nav.main': 'Główna',
  'nav.boards': 'Plansze',
  'nav.new': 'Nowa plansza',
  'lang.label': 'Język',
  'lang.en': 'English',
  'lang.pl': 'Polski',

  'auth.signedInAs': 'Zalogowano jako',
  'auth.signIn': 'Zaloguj się',
  'auth.signUp': 'Załóż konto',
  'auth.signOut': 'Wyloguj się',
  'auth.username': 'Nazwa użytkownika',
  'auth.password': 'Hasło',
  'auth.signInTitle': 'Logowanie',
  'auth.signUpTitle': 'Nowe konto',
  'auth.haveAccount': 'Masz już konto?',
  'auth.noAccount': 'Nie masz konta?',
  'auth.usernameHint': '3–32 znaki: litery, cyfry, _ . -',
  'auth.passwordHint': 'Co najmniej 8 znaków.',
  'auth.working': 'Chwileczkę…',
  'auth.signInToEdit': 'Zaloguj się, aby tworzyć i edytować plansze.',
  'auth.signInToSave': 'Zaloguj się, aby zapisać swoją ścieżkę.',
  'auth.signedOut': 'Wylogowano.',

  'conn.label': 'Powiadomienia na żywo',
  'conn.connecting': 'Łączenie…',
  'conn.connected': 'Połączono',
  'conn.reconnecting': 'Ponowne łączenie…',
  'conn.offline': 'Brak połączenia',

  'notif.button': 'Powiadomienia',
  'notif.unread': 'nowe: {n}',
  'notif.title': 'Ostatnie powiadomienia',
  'notif.empty': 'Na razie brak powiadomień.',
  'notif.close': 'Zamknij',
  'notif.dismiss': 'Ukryj',
  'notif.open': 'Otwórz planszę',
  'notif.region': 'Powiadomienia na żywo',

  'event.newBoard': 'Użytkownik {user} utworzył nową planszę: {board}.',
  'event.newPath': 'Użytkownik {user} zapisał ścieżkę na planszy: {board}.',
  'event.boardUpdated': 'Użytkownik {user} zmienił planszę: {board}.',
  'event.boardDeleted': 'Użytkownik {user} usunął planszę: {board}.',
  'event.pathUpdated': 'Użytkownik {user} zaktualizował ścieżkę na planszy: {board}.',
  'event.pathSolved': 'Użytkownik {user} rozwiązał planszę: {board}.',
  'event.reset': 'Część powiadomień przepadła podczas braku połączenia; listy odświeżono.',

  'boards.title': 'Plansze',
  'boards.mine': 'Tylko moje plansze',
  'boards.col.name': 'Nazwa',
  'boards.col.size': 'Rozmiar',
  'boards.col.creator': 'Autor',
  'boards.col.age': 'Utworzono',
  'boards.col.actions': 'Akcje',
  'boards.size': '{rows} × {cols}',
  'boards.play': 'Graj',
  'boards.edit': 'Edytuj',
  'boards.delete': 'Usuń',
  'boards.confirmDelete': 'Usunąć na zawsze „{board}”?',
  'boards.confirm': 'Tak, usuń',
  'boards.cancel': 'Anuluj',
  'boards.deleted': 'Usunięto planszę „{board}”.',
  'boards.empty': 'Nie ma jeszcze plansz.',
  'boards.emptyMine': 'Nie masz jeszcze własnych plansz.',
  'boards.loadMore': 'Pokaż więcej',
  'boards.loading': 'Wczytywanie…',
  'boards.count': 'Wyświetlone plansze: {n}',

  'editor.titleNew': 'Nowa plansza',
  'editor.titleEdit': 'Edycja planszy',
  'editor.name': 'Nazwa',
  'editor.rows': 'Wiersze',
  'editor.cols': 'Kolumny',
  'editor.generate': 'Utwórz siatkę',
  'editor.palette': 'Kolor',
  'editor.help':
    'Wybierz kolor i kliknij dwie puste komórki. Kliknięcie kropki ją usuwa. Z klawiatury: strzałki przesuwają, Enter stawia lub usuwa kropkę.',
  'editor.count': 'kropki: {n} z 2',
  'editor.dots': 'Kropki',
  'editor.save': 'Zapisz',
  'editor.saving': 'Zapisywanie…',
  'editor.delete': 'Usuń planszę',
  'editor.created': 'Utworzono planszę.',
  'editor.saved': 'Zapisano planszę.',
  'editor.play': 'Zagraj na tej planszy',
  'editor.sideRange': 'Liczba wierszy i kolumn musi być liczbą całkowitą od 2 do 50.',
  'editor.dropped': 'Usunięto kropki spoza nowej siatki: {n}.',
  'editor.colorFull': 'Ten kolor ma już dwie kropki. Wybierz inny kolor albo usuń jedną z jego kropek.',
  'editor.notOwner': 'Tylko autor planszy może ją edytować.',
  'editor.grid': 'Siatka planszy',
  'editor.deletedElsewhere': 'Ta plansza została usunięta.',

  'play.by': 'autor: {user}',
  'play.help':
    'Przeciągnij od kropki przez sąsiednie komórki albo kliknij kropkę, a potem kolejne komórki. Klawiatura: strzałki przesuwają, Enter chwyta kropkę lub koniec linii pod kursorem, potem strzałki rysują; Backspace cofa krok, Escape puszcza.',
  'play.grid': 'Siatka łamigłówki',
  'play.undo': 'Cofnij',
  'play.clear': 'Wyczyść',
  'play.clearColor': 'Wyczyść: {color}',
  'play.clearAll': 'Wyczyść wszystko',
  'play.save': 'Zapisz ścieżkę',
  'play.saving': 'Zapisywanie…',
  'play.saved': 'Zapisano ścieżkę.',
  'play.savedState': 'Wszystko zapisane.',
  'play.unsaved': 'Niezapisane zmiany.',
  'play.removed': 'Usunięto zapisaną ścieżkę.',
  'play.nothing': 'Najpierw narysuj choć jedną linię.',
  'play.solved': 'Rozwiązane! Wszystkie kolory są połączone.',
  'play.progress': 'Połączone kolory: {done} z {total}',
  'play.legend': 'Kolory',
  'play.joined': 'połączony',
  'play.open': 'niepołączony',
  'play.active': 'Rysujesz: {color}.',
  'play.startOnDot': 'Zacznij od kropki albo od końca linii.',
  'play.violation.crossing': 'Ścieżki nie mogą się przecinać: ta komórka należy już do koloru {color}.',
  'play.violation.foreignDot': 'Ścieżka nie może wejść na kropkę innego koloru ({color}).',
  'play.violation.notAdjacent': 'Kontynuuj od końca linii, o jedną komórkę w górę, w dół, w lewo lub w prawo.',
  'play.violation.alreadyConnected': 'Kolor {color} jest już połączony.',
  'play.violation.outside': 'Ta komórka leży poza planszą.',
  'play.boardChanged': 'Autor zmienił tę planszę.',
  'play.reload': 'Wczytaj planszę ponownie',
  'play.boardDeleted': 'Ta plansza została usunięta.',
  'play.edit': 'Edytuj',

  'cell.label': 'Wiersz {row}, kolumna {col}',
  'cell.dot': 'kropka: {color}',
  'cell.path': 'linia: {color}',

  'error.network': 'Brak połączenia z serwerem. Sprawdź połączenie i spróbuj ponownie.',
  'error.notFound': 'Nie ma takiej planszy.',
  'error.sessionEnded': 'Sesja wygasła; zaloguj się ponownie.',
  'error.server': 'Odpowiedź serwera: {message}',
  'error.page': 'Nie ma takiej strony.',
  back: 'Wróć do listy plansz',

  'color.red': 'czerwony',
  'color.green': 'zielony',
  'color.blue': 'niebieski',
  'color.yellow': 'żółty',
  'color.orange': 'pomarańczowy',
  'color.purple': 'fioletowy',
  'color.cyan': 'błękitny',
  'color.magenta': 'purpurowy',
  'color.lime': 'limonkowy',
  'color.brown': 'brązowy',
  'color.teal': 'morski',
  'color.pink': 'różowy',
};

const dictionaries: Record<Lang, Dictionary> = { en, pl };

export type Params = Readonly<Record<string, string | number>>;

/** A text in a language. Placeholders are filled in one pass, so a value
 * that itself contains "{user}" (a board name, say) is left as it is. */
export function translate(lang: Lang, key: MessageKey, params: Params = {}): string {
  return dictionaries[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** Any stored or requested language name, with English as the fallback. */
export function parseLang(value: string | null | undefined): Lang {
  return value === 'pl' ? 'pl' : 'en';
}

let current: Lang = 'en';

export function currentLang(): Lang {
  return current;
}

export function setCurrentLang(lang: Lang): void {
  current = lang;
}

/** A text in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}

/** Every key of both dictionaries, for the tests. */
export function dictionaryKeys(lang: Lang): string[] {
  return Object.keys(dictionaries[lang]);
}
