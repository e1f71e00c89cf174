/* libarchive for Swift: safe extraction of plugin packages. */
#ifndef MARKET_CARCHIVE_SHIM_H
#define MARKET_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

#endif
