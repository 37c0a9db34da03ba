-- The structure of one data schema (psql variable :schema), oid-free and sorted:
-- relations, columns, constraints, indexes, triggers, view definitions,
-- comments and privileges. upgrade_catalog.sh compares an upgraded schema with
-- one made fresh.
WITH rels AS (
    SELECT c.* FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :'schema'),
facts(line) AS (
    SELECT format('relation %s kind %s acl %s comment %s', c.relname, c.relkind, c.relacl, obj_description(c.oid, 'pg_class'))
    FROM rels c WHERE c.relkind <> 'i'
    UNION ALL SELECT format('column %s.%s %s notnull %s default %s comment %s', c.relname, a.attname,
                            format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
                            col_description(c.oid, a.attnum))
    FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    WHERE c.relkind <> 'i'
    UNION ALL SELECT format('constraint %s %s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
    FROM rels c JOIN pg_constraint k ON k.conrelid = c.oid
    UNION ALL SELECT format('index %s', pg_get_indexdef(i.indexrelid)) FROM rels c JOIN pg_index i ON i.indrelid = c.oid
    UNION ALL SELECT format('trigger %s', pg_get_triggerdef(t.oid)) FROM rels c JOIN pg_trigger t ON t.tgrelid = c.oid
    WHERE NOT t.tgisinternal
    UNION ALL SELECT format('view %s %s', c.relname, pg_get_viewdef(c.oid)) FROM rels c WHERE c.relkind IN ('v', 'm')
    UNION ALL SELECT format('layout %s %s', part, layout_version)
    FROM learnerscore.data_schemas WHERE schema_name = :'schema')
SELECT line FROM facts ORDER BY line COLLATE "C";
