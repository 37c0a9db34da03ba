# Sourced (not run) by the e2e and bench scripts that work in a database of their own:
#   scratch_dir NAME [MODE]   WORK=/tmp/ls-NAME-XXXXXX, removed at exit; MODE (default 755) so
#                             that the server, running as postgres, can read (or, 777, write) it
#   fresh_database DB         drops and re-creates DB; exports PGDATABASE=DB, sets PSQL
# Connection settings come from PGHOST/PGPORT/PGUSER (the sandbox's env file).

scratch_dir() {
  WORK=$(mktemp -d "/tmp/ls-$1-XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  chmod "${2:-755}" "$WORK"
}

fresh_database() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  export PGDATABASE=$1
  PSQL="psql -X -q -v ON_ERROR_STOP=1"
}
