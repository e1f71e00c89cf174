/* libpq for Swift: the PostgreSQL client library. */
#ifndef MARKET_CLIBPQ_SHIM_H
#define MARKET_CLIBPQ_SHIM_H

#include <libpq-fe.h>

#endif
