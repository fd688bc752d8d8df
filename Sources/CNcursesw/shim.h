#ifndef COHORT_CNCURSESW_SHIM_H
#define COHORT_CNCURSESW_SHIM_H
// SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncursesw/curses.h>
#endif
