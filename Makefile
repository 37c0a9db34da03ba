# PGXS build of the learnerscore extension: make && make install && make installcheck
# The CLI, unit tests and benchmarks are built by CMake (see README).
PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

EXTVERSION   = 0.1.0
MODULE_big   = learnerscore
CORE_SRCS    = $(sort $(wildcard src/core/*.cpp))
PG_SRCS      = $(sort $(wildcard src/pg/*.cpp))
OBJS         = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

SQL_FRAGMENTS = $(sort $(wildcard extension/sql/*.sql))
DATA          = extension/learnerscore.control $(wildcard extension/learnerscore--*--*.sql)
DATA_built    = extension/learnerscore--$(EXTVERSION).sql
MODULEDIR     = extension

# Every sql/<name>.sql is a regression test with expected/<name>.out.
REGRESS       = $(basename $(notdir $(sort $(wildcard sql/*.sql))))
REGRESS_OPTS  = --inputdir=. --outputdir=build/regress

PG_CPPFLAGS  = -Isrc -isystem /usr/include/eigen3 -MMD -MP -DEIGEN_NO_DEBUG
PG_CXXFLAGS  = -std=c++17 -Wno-register -Wall -fPIC
# No -lxgboost: the library is loaded on first use (src/core/xgboost_library.h).
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

$(DATA_built): $(SQL_FRAGMENTS)
	cat $^ > $@

installcheck: | build/regress
build/regress:
	mkdir -p $@

-include $(OBJS:.o=.d)
