-- A normalized, oid-free description of everything the learnerscore extension
-- owns, one line per fact, sorted: two databases with the same objects print the
-- same text. Used by tests/e2e/upgrade_catalog.sh (0.1.0 + upgrade vs fresh).
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'learnerscore'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
funcs AS (
    SELECT p.* FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid),
rels AS (
    SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid),
facts(line) AS (
    -- membership: every object, by its description
    SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0) FROM members m
    -- functions and procedures: the whole definition (body, settings, volatility, parallel, security)
    UNION ALL SELECT 'function ' || f.oid::regprocedure::text || E'\n' || pg_get_functiondef(f.oid)
    FROM funcs f WHERE f.prokind IN ('f', 'p', 'w')
    -- aggregates: signature and support functions
    UNION ALL SELECT format('aggregate %s returns %s parallel %s: sfunc %s stype %s sspace %s final %s extra %s '
                            'combine %s serial %s deserial %s init %s finalmodify %s kind %s',
                            f.oid::regprocedure, f.prorettype::regtype, f.proparallel, a.aggtransfn, a.aggtranstype::regtype,
                            a.aggtransspace, a.aggfinalfn, a.aggfinalextra, a.aggcombinefn, a.aggserialfn,
                            a.aggdeserialfn, a.agginitval, a.aggfinalmodify, a.aggkind)
    FROM funcs f JOIN pg_aggregate a ON a.aggfnoid = f.oid
    -- privileges of routines
    UNION ALL SELECT format('acl %s %s', f.oid::regprocedure, f.proacl) FROM funcs f
    -- relations: kind, columns, defaults, constraints, indexes, triggers, views, privileges, options
    UNION ALL SELECT format('relation %s kind %s acl %s options %s', c.oid::regclass, c.relkind, c.relacl, c.reloptions)
    FROM rels c
    UNION ALL SELECT format('column %s.%s %s notnull %s default %s identity %s', c.oid::regclass, a.attname,
                            format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
                            a.attidentity)
    FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    UNION ALL SELECT format('constraint %s %s %s', c.oid::regclass, k.conname, pg_get_constraintdef(k.oid))
    FROM rels c JOIN pg_constraint k ON k.conrelid = c.oid
    UNION ALL SELECT format('index %s', pg_get_indexdef(i.indexrelid)) FROM rels c JOIN pg_index i ON i.indrelid = c.oid
    UNION ALL SELECT format('trigger %s', pg_get_triggerdef(t.oid)) FROM rels c JOIN pg_trigger t ON t.tgrelid = c.oid
    WHERE NOT t.tgisinternal
    UNION ALL SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM rels c WHERE c.relkind IN ('v', 'm')
    -- types: kind and, for composite types, their attributes
    UNION ALL SELECT format('type %s kind %s acl %s', t.oid::regtype, t.typtype, t.typacl)
    FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    UNION ALL SELECT format('type-attribute %s.%s %s', t.oid::regtype, a.attname, format_type(a.atttypid, a.atttypmod))
    FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0
    -- comments on members and their columns
    UNION ALL SELECT format('comment %s: %s', pg_describe_object(m.classid, m.objid, 0), obj_description(m.objid, c.relname::text))
    FROM members m JOIN pg_class c ON c.oid = m.classid WHERE obj_description(m.objid, c.relname::text) IS NOT NULL
    UNION ALL SELECT format('comment column %s.%s: %s', r.oid::regclass, a.attname, col_description(r.oid, a.attnum))
    FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE col_description(r.oid, a.attnum) IS NOT NULL
    -- the schema itself, the extension's configuration tables
    UNION ALL SELECT format('schema %s acl %s comment %s', n.nspname, n.nspacl, obj_description(n.oid, 'pg_namespace'))
    FROM pg_namespace n WHERE n.nspname = 'learnerscore'
    UNION ALL SELECT format('config %s condition %s', c::regclass, k)
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(c, k) WHERE e.extname = 'learnerscore'
    UNION ALL SELECT format('extension version %s', extversion) FROM pg_extension WHERE extname = 'learnerscore')
SELECT line FROM facts ORDER BY line COLLATE "C";
