/*
 * market/market.h — the whole Market plugin ABI v1. Include this one header.
 * docs/abi.md describes every struct and function, ownership, threads and versioning.
 */
#ifndef MARKET_MARKET_H
#define MARKET_MARKET_H

#include "types.h"
#include "call.h"
#include "host.h"
#include "plugin.h"
#include "log.h"
#include "http.h"
#include "kv.h"
#include "events.h"
#include "secrets.h"
#include "metrics.h"
#include "process.h"
#include "documents.h"
#include "connections.h"
#include "cluster.h"
#include "tools.h"
#include "model.h"
#include "ingress.h"
#include "targets.h"

#endif /* MARKET_MARKET_H */
