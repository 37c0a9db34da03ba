# PGXS build of the learnerscore extension: make && make install && make installcheck
# The CLI, unit tests and benchmarks are built by CMake (see README).
PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

# The version is written once, in VERSION; the control file and version.h take it from here.
EXTVERSION  := $(strip $(shell cat VERSION))
MODULE_big   = learnerscore
# learnerscore.so links only the domains the server uses; src/core/files (CSV
# reading, encodings, digests) and src/core/gen (synthetic platforms) are the
# CLI's (CMake's learnerscore_client library). docs/architecture.md has the map.
SERVER_DOMAINS = base load views features models metrics causal
CORE_SRCS    = $(sort $(foreach d,$(SERVER_DOMAINS),$(wildcard src/core/$(d)/*.cpp)))
PG_SRCS      = $(sort $(wildcard src/pg/*/*.cpp))
OBJS         = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

SQL_FRAGMENTS = $(sort $(wildcard extension/sql/*.sql))
# Frozen install scripts of earlier releases (never edited) and the upgrade
# scripts between releases: ALTER EXTENSION learnerscore UPDATE follows them.
DATA          = $(wildcard extension/releases/learnerscore--*.sql extension/upgrades/learnerscore--*--*.sql)
DATA_built    = extension/learnerscore.control extension/learnerscore--$(EXTVERSION).sql
MODULEDIR     = extension

# Every tests/regress/sql/<domain>/<NN_name>.sql is a regression test with
# tests/regress/expected/<domain>/<NN_name>.out; they run in NN order.
REGRESS_FILES = $(wildcard tests/regress/sql/*/*.sql)
REGRESS_KEYS  = $(sort $(foreach f,$(REGRESS_FILES),$(notdir $(basename $f))@$(notdir $(patsubst %/,%,$(dir $f)))))
REGRESS       = $(foreach k,$(REGRESS_KEYS),$(word 2,$(subst @, ,$k))/$(word 1,$(subst @, ,$k)))
REGRESS_DOMAINS = $(sort $(dir $(REGRESS)))
REGRESS_OPTS  = --inputdir=tests/regress --outputdir=build/regress

PG_CPPFLAGS  = -Isrc -isystem /usr/include/eigen3 -MMD -MP -DEIGEN_NO_DEBUG -DLS_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS  = -std=c++17 -Wno-register -Wall -fPIC
# No -lxgboost: the library is loaded on first use (src/core/models/xgboost_library.h).
SHLIB_LINK   = -lstdc++
EXTRA_CLEAN  = $(OBJS:.o=.d) build/regress

# PostgreSQL 15 is built with LLVM; PGXS would also compile every .cpp to
# bitcode with clang and without our flags. JIT inlining of C++ is not worth it.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL's flags end in -O2; the numeric C++ (Eigen's kernels, the IRLS
# and tree loops) gains ~7 % at -O3, the optimisation level of the CMake
# Release build the in-memory benchmarks use. Appended, so it wins.
override CXXFLAGS += -O3

extension/learnerscore--$(EXTVERSION).sql: $(SQL_FRAGMENTS)
	cat $^ > $@

extension/learnerscore.control: extension/learnerscore.control.in VERSION
	sed 's/@EXTVERSION@/$(EXTVERSION)/' $< > $@

# A new VERSION rebuilds the objects that print it.
src/pg/base/module.o: VERSION

installcheck: | build/regress
build/regress:
	mkdir -p $(addprefix $@/results/,$(REGRESS_DOMAINS))
.PHONY: build/regress

# The layer rule, enforced: src/core is compiled without PostgreSQL's include
# directories, so `#include "postgres.h"` (or any server header) in src/core
# fails here as it does under CMake. tests/e2e/layer_rule.sh proves it.
PG_INCLUDE_FLAGS = -I$(includedir_server) -I$(includedir_internal) -I$(includedir)
CORE_CPPFLAGS    = $(filter-out $(PG_INCLUDE_FLAGS),$(CPPFLAGS))
$(CORE_SRCS:.cpp=.o): override CPPFLAGS := $(CORE_CPPFLAGS)
print-regress:
	@echo $(REGRESS)
print-core-compile:
	@echo $(CXX) $(CXXFLAGS) $(CORE_CPPFLAGS)
.PHONY: print-core-compile print-regress

-include $(OBJS:.o=.d)

# The Debian packages (docs/packaging.md), built from a copy of the tree into build/deb/.
deb:
	scripts/build-deb.sh
.PHONY: deb
