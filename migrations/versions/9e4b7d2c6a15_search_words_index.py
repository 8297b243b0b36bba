"""Product search through an index of each product's words, not of its text's trigrams (SQLite) or of the wide
products rows (PostgreSQL): the first search for a word many products have read ~120,000 ids from the trigram
phrase index in ~35 ms on SQLite, and visited 21,800 pages of ``products`` in ~330 ms on PostgreSQL, at 100 times
the demo catalogue. SQLite: an FTS5 table of the words (a prefix query for "starts with") and a vocabulary of the
catalogue's words (those that end with a stem); PostgreSQL: a narrow table of each product's id and search text
with GIN indexes of its words and reversed words. Both kept by triggers on ``products``
(``shop.catalog.search_index``, whose statements are written out here as they were at this revision).

Revision ID: 9e4b7d2c6a15
Revises: fc6ee266d04c
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
from sqlalchemy import text

# revision identifiers, used by Alembic.
revision = '9e4b7d2c6a15'
down_revision = 'fc6ee266d04c'
branch_labels = None
depends_on = None


# The index of revision a7c3e91d5b20 (PostgreSQL: as b3e5f0c27d41 left it), as it was made then: dropped here, put
# back by the downgrade.
OLD_SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_search USING fts5("
    "search_text, content='products', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS products_search_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO product_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_search_delete AFTER DELETE ON products BEGIN "
    "INSERT INTO product_search(product_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_search_update AFTER UPDATE OF search_text ON products BEGIN "
    "INSERT INTO product_search(product_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO product_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO product_search(product_search) VALUES ('rebuild')",
)
OLD_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS products_search_insert",
    "DROP TRIGGER IF EXISTS products_search_delete",
    "DROP TRIGGER IF EXISTS products_search_update",
    "DROP TABLE IF EXISTS product_search",
)
OLD_POSTGRESQL_CREATE = (
    "CREATE INDEX IF NOT EXISTS ix_products_search_words ON products USING gin "
    "(to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX IF NOT EXISTS ix_products_search_reversed ON products USING gin "
    "(to_tsvector('simple'::regconfig, reverse(search_text)))",
)
OLD_POSTGRESQL_DROP = (
    "DROP INDEX IF EXISTS ix_products_search_words",
    "DROP INDEX IF EXISTS ix_products_search_reversed",
)


# The word index as this revision makes it: the statements of shop.catalog.search_index's
# ``create_statements(dialect, fill=True)`` and ``drop_statements(dialect)`` at this revision, written out so that
# the migration keeps its meaning when that module changes. The triggers come first, so that no product written
# meanwhile is missed.
NEW_SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_words USING fts5(words, head, reversed, content='', columnsize=0, "
    "detail='column', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TABLE IF NOT EXISTS product_words_vocabulary (word TEXT PRIMARY KEY, reversed TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TRIGGER IF NOT EXISTS products_words_insert AFTER INSERT ON products BEGIN INSERT INTO "
    "product_words_vocabulary(word, reversed) SELECT word, (SELECT group_concat(substr(word, -1 - key, 1), '') FROM "
    "json_each('[' || rtrim(replace(hex(zeroblob(length(word))), '00', '0,'), ',') || ']')) FROM (SELECT DISTINCT "
    "piece.value AS word FROM json_each('[' || replace(json_quote(new.search_text), ' ', '\",\"') || ']') AS piece "
    "WHERE piece.value GLOB '[a-z0-9]*' AND NOT piece.value GLOB '*[^a-z0-9]*') WHERE word NOT IN (SELECT word FROM "
    "product_words_vocabulary); INSERT INTO product_words(rowid, words, head, reversed) VALUES (new.id, "
    "new.search_text, CASE WHEN substr(new.search_text, 1, 1) = ' ' THEN substr(new.search_text, 2, "
    "instr(substr(new.search_text, 2) || ' ', ' ') - 1) END, (SELECT group_concat(known.reversed, ' ') FROM "
    "json_each('[' || replace(json_quote(new.search_text), ' ', '\",\"') || ']') AS piece JOIN "
    "product_words_vocabulary AS known ON known.word = piece.value)); END",
    "CREATE TRIGGER IF NOT EXISTS products_words_delete AFTER DELETE ON products BEGIN INSERT INTO "
    "product_words(product_words, rowid, words, head, reversed) VALUES ('delete', old.id, old.search_text, CASE WHEN "
    "substr(old.search_text, 1, 1) = ' ' THEN substr(old.search_text, 2, instr(substr(old.search_text, 2) || ' ', "
    "' ') - 1) END, (SELECT group_concat(known.reversed, ' ') FROM json_each('[' || "
    "replace(json_quote(old.search_text), ' ', '\",\"') || ']') AS piece JOIN product_words_vocabulary AS known ON "
    "known.word = piece.value)); END",
    "CREATE TRIGGER IF NOT EXISTS products_words_update AFTER UPDATE OF id, search_text ON products WHEN old.id IS "
    "NOT new.id OR old.search_text IS NOT new.search_text BEGIN INSERT INTO product_words(product_words, rowid, "
    "words, head, reversed) VALUES ('delete', old.id, old.search_text, CASE WHEN substr(old.search_text, 1, 1) = ' ' "
    "THEN substr(old.search_text, 2, instr(substr(old.search_text, 2) || ' ', ' ') - 1) END, (SELECT "
    "group_concat(known.reversed, ' ') FROM json_each('[' || replace(json_quote(old.search_text), ' ', '\",\"') || "
    "']') AS piece JOIN product_words_vocabulary AS known ON known.word = piece.value)); INSERT INTO "
    "product_words_vocabulary(word, reversed) SELECT word, (SELECT group_concat(substr(word, -1 - key, 1), '') FROM "
    "json_each('[' || rtrim(replace(hex(zeroblob(length(word))), '00', '0,'), ',') || ']')) FROM (SELECT DISTINCT "
    "piece.value AS word FROM json_each('[' || replace(json_quote(new.search_text), ' ', '\",\"') || ']') AS piece "
    "WHERE piece.value GLOB '[a-z0-9]*' AND NOT piece.value GLOB '*[^a-z0-9]*') WHERE word NOT IN (SELECT word FROM "
    "product_words_vocabulary); INSERT INTO product_words(rowid, words, head, reversed) VALUES (new.id, "
    "new.search_text, CASE WHEN substr(new.search_text, 1, 1) = ' ' THEN substr(new.search_text, 2, "
    "instr(substr(new.search_text, 2) || ' ', ' ') - 1) END, (SELECT group_concat(known.reversed, ' ') FROM "
    "json_each('[' || replace(json_quote(new.search_text), ' ', '\",\"') || ']') AS piece JOIN "
    "product_words_vocabulary AS known ON known.word = piece.value)); END",
    # The products there already.
    "INSERT INTO product_words_vocabulary(word, reversed) SELECT word, (SELECT group_concat(substr(word, -1 - key, "
    "1), '') FROM json_each('[' || rtrim(replace(hex(zeroblob(length(word))), '00', '0,'), ',') || ']')) FROM (SELECT "
    "DISTINCT piece.value AS word FROM products, json_each('[' || replace(json_quote(products.search_text), ' ', "
    "'\",\"') || ']') AS piece WHERE piece.value GLOB '[a-z0-9]*' AND NOT piece.value GLOB '*[^a-z0-9]*') WHERE word "
    "NOT IN (SELECT word FROM product_words_vocabulary)",
    "INSERT INTO product_words(rowid, words, head, reversed) SELECT id, search_text, CASE WHEN substr(search_text, 1, "
    "1) = ' ' THEN substr(search_text, 2, instr(substr(search_text, 2) || ' ', ' ') - 1) END, (SELECT "
    "group_concat(known.reversed, ' ') FROM json_each('[' || replace(json_quote(search_text), ' ', '\",\"') || ']') "
    "AS piece JOIN product_words_vocabulary AS known ON known.word = piece.value) FROM products",
)
NEW_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS products_words_insert",
    "DROP TRIGGER IF EXISTS products_words_delete",
    "DROP TRIGGER IF EXISTS products_words_update",
    "DROP TABLE IF EXISTS product_words",
    "DROP TABLE IF EXISTS product_words_vocabulary",
)
NEW_POSTGRESQL_CREATE = (
    """CREATE OR REPLACE FUNCTION product_words_vector(search_text text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
    DECLARE
        words text[] := array_remove((string_to_array(search_text, ' '))[2:], '');
    BEGIN
        IF octet_length(search_text) > 2047 THEN
            words := ARRAY(SELECT word FROM unnest(words) AS word WHERE octet_length(word) <= 2047);
        END IF;
        RETURN array_to_tsvector(words);
    END $$""",
    "CREATE TABLE IF NOT EXISTS product_words (product_id integer PRIMARY KEY, search_text text NOT NULL)",
    """CREATE OR REPLACE FUNCTION product_words_ids(words tsquery, reversed tsquery)
    RETURNS TABLE (product_id integer) LANGUAGE sql STABLE SET enable_seqscan = off AS $$
        SELECT product_id FROM product_words
        WHERE product_words_vector(search_text) @@ words OR product_words_vector(reverse(search_text)) @@ reversed
    $$""",
    """CREATE OR REPLACE FUNCTION product_words_matched(words tsquery, reversed tsquery, head text)
    RETURNS TABLE (matched text, first text) LANGUAGE sql STABLE SET enable_seqscan = off AS $$
        SELECT string_agg(product_id::text, ','), string_agg(product_id::text, ',') FILTER (WHERE search_text LIKE head)
        FROM product_words WHERE product_words_vector(search_text) @@ words OR product_words_vector(reverse(search_text)) @@ reversed
    $$""",
    """CREATE OR REPLACE FUNCTION product_words_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO product_words (product_id, search_text) SELECT id, search_text FROM inserted_products;
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM product_words WHERE product_id IN (SELECT id FROM deleted_products);
        ELSIF TG_OP = 'UPDATE' THEN
            IF NEW.id <> OLD.id THEN
                DELETE FROM product_words WHERE product_id = OLD.id;
            END IF;
            INSERT INTO product_words (product_id, search_text) VALUES (NEW.id, NEW.search_text)
                ON CONFLICT (product_id) DO UPDATE SET search_text = EXCLUDED.search_text;
        ELSE
            TRUNCATE product_words;
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS products_words_insert ON products",
    "CREATE TRIGGER products_words_insert AFTER INSERT ON products REFERENCING NEW TABLE AS inserted_products FOR "
    "EACH STATEMENT EXECUTE FUNCTION product_words_follow()",
    "DROP TRIGGER IF EXISTS products_words_delete ON products",
    "CREATE TRIGGER products_words_delete AFTER DELETE ON products REFERENCING OLD TABLE AS deleted_products FOR EACH "
    "STATEMENT EXECUTE FUNCTION product_words_follow()",
    "DROP TRIGGER IF EXISTS products_words_update ON products",
    "CREATE TRIGGER products_words_update AFTER UPDATE OF id, search_text ON products FOR EACH ROW WHEN (OLD.id <> "
    "NEW.id OR OLD.search_text IS DISTINCT FROM NEW.search_text) EXECUTE FUNCTION product_words_follow()",
    "DROP TRIGGER IF EXISTS products_words_truncate ON products",
    "CREATE TRIGGER products_words_truncate AFTER TRUNCATE ON products FOR EACH STATEMENT EXECUTE FUNCTION "
    "product_words_follow()",
    # The products there already, then the GIN indexes, built at once, and the planner's estimates of them.
    "INSERT INTO product_words (product_id, search_text) SELECT id, search_text FROM products",
    "CREATE INDEX IF NOT EXISTS ix_product_words_words ON product_words USING gin (product_words_vector(search_text))",
    "CREATE INDEX IF NOT EXISTS ix_product_words_reversed ON product_words USING gin "
    "(product_words_vector(reverse(search_text)))",
    "ANALYZE product_words",
)
NEW_POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS products_words_insert ON products",
    "DROP TRIGGER IF EXISTS products_words_delete ON products",
    "DROP TRIGGER IF EXISTS products_words_update ON products",
    "DROP TRIGGER IF EXISTS products_words_truncate ON products",
    "DROP FUNCTION IF EXISTS product_words_follow()",
    "DROP FUNCTION IF EXISTS product_words_ids(tsquery, tsquery)",
    "DROP FUNCTION IF EXISTS product_words_matched(tsquery, tsquery, text)",
    "DROP TABLE IF EXISTS product_words",
    "DROP FUNCTION IF EXISTS product_words_vector(text)",
)


def _run(statements) -> None:
    for statement in statements:
        op.execute(text(statement))


def _without_statement_timeout(dialect: str) -> None:
    """Index every product in one go: at 100 times the demo catalogue a statement here takes seconds, more than the
    shop's statement timeout allows a page (shop.core.db.engine_options)."""
    if dialect == "postgresql":
        op.execute(text("SET LOCAL statement_timeout = 0"))


def upgrade():
    dialect = op.get_bind().dialect.name
    _without_statement_timeout(dialect)
    _run({"sqlite": OLD_SQLITE_DROP, "postgresql": OLD_POSTGRESQL_DROP}.get(dialect, ()))
    _run({"sqlite": NEW_SQLITE_CREATE, "postgresql": NEW_POSTGRESQL_CREATE}.get(dialect, ()))


def downgrade():
    dialect = op.get_bind().dialect.name
    _without_statement_timeout(dialect)
    _run({"sqlite": NEW_SQLITE_DROP, "postgresql": NEW_POSTGRESQL_DROP}.get(dialect, ()))
    _run({"sqlite": OLD_SQLITE_CREATE, "postgresql": OLD_POSTGRESQL_CREATE}.get(dialect, ()))
