# psycopg2 half of tests/e2e/bi_drivers.sh: reads every BI view as the read-only role and checks
# the types the driver reports (cursor.description type codes against pg_type), that each column
# is in the schema's data_dictionary with a description, and that Russian text arrives intact.
#   /usr/bin/python3 bi_drivers.py DSN EXPECTED_TASK_NAME schema:view[:strict] ...
import os
import sys
import psycopg2

dsn, russian, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
conn = psycopg2.connect(dsn)
conn.set_client_encoding('UTF8')
cur = conn.cursor()
cur.execute("SELECT oid, typname, typcategory FROM pg_catalog.pg_type")
types = {oid: (name, cat) for oid, name, cat in cur.fetchall()}
fail = 0

def check(ok, what):
    global fail
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        fail = 1

for spec in specs:
    parts = spec.split(':')
    schema, view, strict = parts[0], parts[1], len(parts) > 2
    cur.execute('SELECT * FROM "%s"."%s" LIMIT 100' % (schema, view))
    rows = cur.fetchall()
    cols = [(d.name, types[d.type_code][0], types[d.type_code][1]) for d in cur.description]
    arrays = [c for c in cols if c[2] == 'A']
    check(not arrays, '%s.%s: %d columns, %d rows read, no array column %s' % (schema, view, len(cols), len(rows), arrays or ''))
    if strict:
        unbounded = [c[0] for c in cols if c[1] == 'text']
        check(not unbounded, '%s.%s: no unbounded text column %s' % (schema, view, unbounded or ''))
    else:
        free = os.environ.get('LS_FREE_TEXT', '').split()
        categorical = [c[0] for c in cols if c[1] == 'text' and c[0] not in free]
        check(not categorical, '%s.%s: categorical text sized, free text only in %s %s'
              % (schema, view, [c[0] for c in cols if c[1] == 'text'], categorical or ''))
    cur.execute('SELECT column_name, description FROM "%s".data_dictionary WHERE relation_name = %%s' % schema, (view,))
    described = {name: d for name, d in cur.fetchall()}
    missing = [c[0] for c in cols if not described.get(c[0])]
    check(not missing, '%s.%s: every column in data_dictionary with a description %s' % (schema, view, missing or ''))

cur.execute("SELECT task FROM onet.critical_points WHERE task = %s LIMIT 1", (russian,))
got = cur.fetchone()
check(got is not None and got[0] == russian, 'Russian text intact through psycopg2: %r' % (got[0] if got else None))
cur.execute("SELECT relation_description FROM onet.data_dictionary WHERE relation_name = 'status_daily' LIMIT 1")
check(cur.fetchone()[0].startswith('Learners per course'), 'data_dictionary.relation_description readable')
try:
    import pandas as pd
    import warnings
    warnings.simplefilter('ignore')
    df = pd.read_sql('SELECT * FROM onet.status_daily', conn)
    check(str(df['learners'].dtype) == 'int64', 'pandas: status_daily.learners is int64 (%s)' % df['learners'].dtype)
except ImportError:
    print('note pandas not installed: skipped')
sys.exit(fail)
