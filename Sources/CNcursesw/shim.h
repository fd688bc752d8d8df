#ifndef COHORT_CNCURSESW_SHIM_H
#define COHORT_CNCURSESW_SHIM_H
// SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

// Only Sources/cohort/NcursesTerminal.swift imports this module, so the static state below
// exists once. Names avoid term.h's capability macros (lines, columns, tab, bell, …).

// MARK: Starting and stopping

// setupterm with an error out-parameter never prints or exits (initscr does), and lets us
// check cursor addressing before the tty is touched: 1 usable, 0 no cursor addressing, -1 unknown.
static inline int cn_term_usable(const char *name) {
    int err = 0;
    if (setupterm((char *)name, STDOUT_FILENO, &err) != OK) return err == 0 ? -1 : 0;
    const char *cup = tigetstr("cup");
    int usable = cup != NULL && cup != (const char *)-1;
    del_curterm(cur_term);
    return usable ? 1 : 0;
}

// newterm needs the C stdout/stdin FILE pointers, globals Swift 6 cannot read.
static inline SCREEN *cn_newterm(const char *name) { return newterm((char *)name, stdout, stdin); }

// stdscr is a global (a function call in reentrant builds); the window is kept by the caller.
static inline WINDOW *cn_stdscr(void) { return stdscr; }

// COLORS is a global (or a macro), which Swift 6 rejects.
static inline int cn_colors(void) { return COLORS; }

// cbreak keeps XON/XOFF and the "literal next" key, which would freeze the screen on Ctrl-S
// (the forms' save key) and swallow Ctrl-V; clear both and make that curses' program mode.
static inline void cn_keys_not_flow_control(void) {
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) == 0) {
        t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
        t.c_lflag &= ~(tcflag_t)IEXTEN;
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
        def_prog_mode();
    }
}

// MARK: Drawing

// The A_* attributes are built with NCURSES_BITS, a function-like macro Swift cannot import.
static inline attr_t cn_attr_bold(void) { return A_BOLD; }
static inline attr_t cn_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_attr_reverse(void) { return A_REVERSE; }
static inline attr_t cn_attr_dim(void) { return A_DIM; }
static inline attr_t cn_attr_italic(void) { return A_ITALIC; }

// COLOR_PAIR() holds only 8 bits, so the pair goes through setcchar's `opts` (an int *);
// the cchar_t stays on the C side.
static inline int cn_put_cell(WINDOW *win, int y, int x, const wchar_t *text, attr_t attrs, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, 0, &pair) != OK) return ERR;
    return mvwadd_wch(win, y, x, &cell);
}

// MARK: Input

#define CN_NONE 0
#define CN_CHAR 1
#define CN_KEY 2

// wget_wch returns characters and key codes through one wint_t, its result telling which.
static inline int cn_read(WINDOW *win, int timeout_ms, int *value) {
    wint_t ch = 0;
    wtimeout(win, timeout_ms);
    int r = wget_wch(win, &ch);
    *value = (int)ch;
    if (r == KEY_CODE_YES) return CN_KEY;
    if (r == OK) return CN_CHAR;
    return CN_NONE;
}

// KEY_F(n) is a function-like macro.
static inline int cn_key_f(int n) { return KEY_F(n); }

// The BUTTONn_* masks are built with NCURSES_MOUSE_MASK, a function-like macro; a zero
// click interval reports presses at once instead of waiting to see whether they are clicks.
static inline void cn_enable_mouse(void) {
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
}

// Turns mouse reporting off before the screen ends.
static inline void cn_disable_mouse(void) { mousemask(0, NULL); }

#define CN_MOUSE_OTHER 0
#define CN_MOUSE_PRESS 1
#define CN_MOUSE_WHEEL_UP 2
#define CN_MOUSE_WHEEL_DOWN 3

// MEVENT's bstate is tested against the same macro-built masks.
static inline int cn_read_mouse(int *x, int *y) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return CN_MOUSE_OTHER;
    *x = ev.x;
    *y = ev.y;
    if (ev.bstate & BUTTON4_PRESSED) return CN_MOUSE_WHEEL_UP;
    if (ev.bstate & BUTTON5_PRESSED) return CN_MOUSE_WHEEL_DOWN;
    if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) return CN_MOUSE_PRESS;
    return CN_MOUSE_OTHER;
}

// MARK: stderr held back and signals
// Signal handlers must not run Swift code (retain/release, exclusivity checks), so they and
// the state they touch live here.

// The state lives in a function-local static: Swift's importer emits the functions it
// calls, but not file-scope tentative definitions (an array without an initializer).
struct cn_shared_state {
    volatile sig_atomic_t screen_active;
    volatile sig_atomic_t interrupted;
    int saved_stderr;  // the real stderr while it is held back, else -1
    int held_stderr;   // the temporary file, else -1
    struct sigaction previous[65];
};

static inline struct cn_shared_state *cn_state(void) {
    static struct cn_shared_state state = { 0, 0, -1, -1 };
    return &state;
}
// The signals that end the process: restore the terminal first (Swift traps arrive as SIGILL).
#define CN_FATAL_SIGNALS { SIGSEGV, SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGTERM, SIGHUP, SIGQUIT }
#define CN_FATAL_COUNT 8

// Points fd 2 at an unlinked temporary file so nothing written to stderr lands on the screen.
static inline int cn_hold_stderr(void) {
    if (cn_state()->saved_stderr >= 0) return 0;
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/cohort-stderr-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    unlink(path);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    if (saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
        close(fd);
        if (saved >= 0) close(saved);
        return -1;
    }
    cn_state()->saved_stderr = saved;
    cn_state()->held_stderr = fd;
    return 0;
}

// Puts stderr back and copies what was held back to it; only async-signal-safe calls.
static inline void cn_release_stderr(void) {
    if (cn_state()->saved_stderr < 0) return;
    dup2(cn_state()->saved_stderr, STDERR_FILENO);
    close(cn_state()->saved_stderr);
    cn_state()->saved_stderr = -1;
    char buf[4096];
    ssize_t n;
    if (lseek(cn_state()->held_stderr, 0, SEEK_SET) == 0) {
        while ((n = read(cn_state()->held_stderr, buf, sizeof buf)) > 0) {
            ssize_t off = 0;
            while (off < n) {
                ssize_t w = write(STDERR_FILENO, buf + off, (size_t)(n - off));
                if (w <= 0) break;
                off += w;
            }
        }
    }
    close(cn_state()->held_stderr);
    cn_state()->held_stderr = -1;
}

// Marks whether the screen is up, so handlers and the exit hook only end it once.
static inline void cn_set_screen_active(int active) { cn_state()->screen_active = active; }

// The terminal back to the shell: endwin while the screen is up, then stderr.
static inline void cn_restore_terminal(void) {
    if (cn_state()->screen_active) {
        cn_state()->screen_active = 0;
        endwin();
    }
    cn_release_stderr();
}

// A fatal signal restores the terminal, then goes to whoever had it before (Swift's
// backtracer, or the default action): a fault re-executes and arrives there; a sent signal is re-raised.
static void cn_on_fatal_signal(int sig, siginfo_t *info, void *context) {
    (void)context;
    int saved_errno = errno;
    cn_restore_terminal();
    if (sig > 0 && sig < 65) sigaction(sig, &cn_state()->previous[sig], NULL);
    int fault = (sig == SIGSEGV || sig == SIGILL || sig == SIGBUS || sig == SIGFPE) && info && info->si_code > 0;
    if (!fault) raise(sig);
    errno = saved_errno;
}

// Ctrl-C (cbreak keeps ISIG) is turned into a key the loop reads; a second one before the
// loop has read the first means the loop is stuck, so the terminal is restored and we exit 0.
static void cn_on_interrupt(int sig) {
    (void)sig;
    if (cn_state()->interrupted) {
        cn_restore_terminal();
        _exit(0);
    }
    cn_state()->interrupted = 1;
}

// Takes the pending Ctrl-C, if any (1 when there was one).
static inline int cn_take_interrupt(void) {
    if (!cn_state()->interrupted) return 0;
    cn_state()->interrupted = 0;
    return 1;
}

// Installed before newterm so curses keeps its own SIGINT/SIGTERM handlers out of the way;
// without SA_RESTART, Ctrl-C also ends a waiting read at once.
static inline void cn_install_signal_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_sigaction = cn_on_fatal_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    const int cn_fatal_signals[CN_FATAL_COUNT] = CN_FATAL_SIGNALS;
    for (int i = 0; i < CN_FATAL_COUNT; i++) sigaction(cn_fatal_signals[i], &sa, &cn_state()->previous[cn_fatal_signals[i]]);
    struct sigaction si;
    memset(&si, 0, sizeof si);
    sigemptyset(&si.sa_mask);
    si.sa_handler = cn_on_interrupt;
    si.sa_flags = 0;
    cn_state()->interrupted = 0;
    sigaction(SIGINT, &si, &cn_state()->previous[SIGINT]);
    // A parent may have left signals blocked (blocked masks survive exec); Ctrl-C and
    // resizes (SIGWINCH, which curses turns into KEY_RESIZE) must arrive.
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGWINCH);
    sigaddset(&unblock, SIGTERM);
    sigaddset(&unblock, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
}

// Gives every signal back to its previous handler.
static inline void cn_restore_signal_handlers(void) {
    const int cn_fatal_signals[CN_FATAL_COUNT] = CN_FATAL_SIGNALS;
    for (int i = 0; i < CN_FATAL_COUNT; i++) sigaction(cn_fatal_signals[i], &cn_state()->previous[cn_fatal_signals[i]], NULL);
    sigaction(SIGINT, &cn_state()->previous[SIGINT], NULL);
}

static void cn_at_exit(void) { cn_restore_terminal(); }

// A safety net: exit() anywhere while the screen is up still restores the terminal.
static inline void cn_register_exit_hook(void) {
    static int registered = 0;
    if (!registered) {
        registered = 1;
        atexit(cn_at_exit);
    }
}

#endif
