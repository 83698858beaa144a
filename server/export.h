/* placed --export-png and placed --timelapse: the stored history written as images (issue 18).
 *
 * Both read the store through a history reader (timeline.h): read-only on the embedded store's
 * files (a running placed goes on undisturbed; no lock is taken) or PostgreSQL in cluster mode.
 * The timelapse streams the history in chunks and keeps two canvases' worth of memory (the
 * canvas and the frame waiting to be written) whatever the length. */
#ifndef PLACE_SERVER_EXPORT_H
#define PLACE_SERVER_EXPORT_H

#include "config.h"

/* 1 when cfg asks for an export (--export-png or --timelapse). */
int export_wanted(const place_config *cfg);

/* Writes the export cfg asks for. Returns the exit status: 0, 1 (it failed: said on stderr), 2
 * (a flag is wrong: said on stderr). */
int export_run(const place_config *cfg);

#endif
