/*
 * version.h: the one place Strata's version is spelled.  `strata --version`
 * prints it and Parquet files carry it in created_by ("strata version X
 * (build Y)", the form other readers parse), so the two can never disagree.
 * A build may override either with -DSTRATA_VERSION=... / -DSTRATA_BUILD=...
 * (the file formats carry their own format numbers; this is the software's).
 */
#ifndef ST_VERSION_H
#define ST_VERSION_H

#ifndef STRATA_VERSION
#define STRATA_VERSION "0.1.0"
#endif
#ifndef STRATA_BUILD
#define STRATA_BUILD "dev"
#endif

#endif /* ST_VERSION_H */
