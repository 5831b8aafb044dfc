/*
 * tz.h: time zones for parsing local timestamps: fixed offsets and the IANA
 * zones of the system's tz database.
 *
 * A zone is named "UTC" (or "Z", "GMT"), a fixed offset ("+01:00", "-0530",
 * "+02"), or an IANA name ("Europe/Berlin") read from the TZif file under
 * $TZDIR (default /usr/share/zoneinfo).  The TZif reader uses the 64-bit
 * (version 2+) transition table and, past its last transition, the POSIX
 * rule in the file's footer ("CET-1CEST,M3.5.0,M10.5.0/3"), so "slim" tz
 * files work too.  Names are checked before they become a path (letters,
 * digits, '_', '-', '+', '/', no "..", no leading '/').  The file is read
 * once, when the zone is opened (a spec is compiled): no I/O per value.
 *
 * Converting a local time to UTC: a local time inside a DST gap (02:30 on
 * the spring-forward night) does not exist; it is read with the offset in
 * force before the gap (as most engines do).  One inside a fold (02:30 on
 * the fall-back night) exists twice; the first (daylight) reading is taken.
 *
 * A zone is immutable once opened: any number of threads may use it.
 */
#ifndef ST_TZ_H
#define ST_TZ_H

#include <stdint.h>

#include "format/status.h"

typedef struct st_tz st_tz;

st_status st_tz_open(const char *name, st_tz **out, st_error *e);
void st_tz_free(st_tz *z);
const char *st_tz_name(const st_tz *z);

/* Offset from UTC, in seconds, in force at UTC instant t (microseconds). */
int32_t st_tz_offset_at(const st_tz *z, int64_t utc_us);
/* The UTC instant of local wall-clock time `local_us` (microseconds since
 * 1970-01-01 00:00 of the wall clock). */
int64_t st_tz_to_utc(const st_tz *z, int64_t local_us);

#endif /* ST_TZ_H */
