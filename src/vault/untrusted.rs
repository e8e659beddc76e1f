//! SQLite files anyone may have written — an environment's image (anyone who knows its
//! public recipients can encrypt one), a journal a push put into the vault — and what
//! keyward's own queries must never run from them.

use rusqlite::Connection;

/// Settle a database keyward did not necessarily write before any query of ours reads
/// it: no function in its schema is trusted (`trusted_schema`); it holds no view or
/// trigger (their SQL would run inside ours: an endless recursive query hung every
/// command, `git diff` and the merge driver), no generated column (its expression runs
/// on every row read: a 3 KB image made one `SELECT *` build 300 MB strings per row),
/// and no string or blob a query builds may pass 64 MiB (values are at most 64 KiB), so
/// an expression the checks miss fails at once instead of filling memory.
///
/// `only`: the tables the file may hold, each with the one `CREATE TABLE` statement
/// keyward writes for it (whitespace aside), and nothing else (the journal: a CHECK
/// constraint or a column DEFAULT would be evaluated on every append); `None`: tables
/// and indexes of any name (an image's schema is checked further by the signed state).
/// The error is the detail for an integrity error (exit 6).
pub(crate) fn guard(
    conn: &Connection,
    what: &str,
    only: Option<&[(&str, &str)]>,
) -> Result<(), String> {
    let cannot = |e: rusqlite::Error| format!("cannot read the schema ({e})");
    conn.pragma_update(None, "trusted_schema", "OFF")
        .map_err(|e| e.to_string())?;
    conn.set_limit(
        rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH,
        64 * 1024 * 1024,
    )
    .map_err(|e| e.to_string())?;
    // CHECK constraints are never keyward's safeguard (rows are validated as they are
    // read, and written by construction): a schema's constraint, which anyone holding
    // the plaintext can add, is never evaluated: not by an insert, not by the
    // whole-image check.
    conn.pragma_update(None, "ignore_check_constraints", "ON")
        .map_err(|e| e.to_string())?;
    if let Some(tables) = only {
        let mut stmt = conn
            .prepare("SELECT type, name, sql FROM main.sqlite_schema")
            .map_err(cannot)?;
        let objects = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(cannot)?;
        for o in objects {
            let (kind, name, sql) = o.map_err(cannot)?;
            let known = tables.iter().find(|(t, _)| kind == "table" && *t == name);
            let Some((_, expected)) = known else {
                return Err(format!(
                    "{what} holds {kind} `{}`, which keyward never writes",
                    crate::text::escape(&name)
                ));
            };
            if sql.as_deref().map(tokens) != Some(tokens(expected)) {
                return Err(format!(
                    "{what} defines table `{}` otherwise than keyward does",
                    crate::text::escape(&name)
                ));
            }
        }
    } else {
        let foreign: i64 = conn
            .query_row(
                "SELECT count(*) FROM main.sqlite_schema WHERE type NOT IN ('table', 'index')",
                [],
                |r| r.get(0),
            )
            .map_err(cannot)?;
        if foreign > 0 {
            return Err(format!(
                "{what} holds views or triggers, which keyward never writes"
            ));
        }
    }
    let generated: i64 = conn
        .query_row(
            "SELECT count(*) FROM main.sqlite_schema s, pragma_table_xinfo(s.name) x
             WHERE s.type = 'table' AND x.hidden IN (2, 3)",
            [],
            |r| r.get(0),
        )
        .map_err(cannot)?;
    if generated > 0 {
        return Err(format!(
            "{what} holds generated columns, which keyward never writes"
        ));
    }
    Ok(())
}

/// SQLite's own check of a whole image: every index holds exactly its table's rows,
/// every page and cell is well formed, every row keeps its table's constraints. Run
/// where a changed image is verified against its signatures, which cover table rows
/// only: an index is how `get NAME` and `check` find rows, and someone who holds the
/// plaintext (a `read` member) could rewrite one — trade two keys' entries, drop a
/// removal event's — so that a lookup returns another row than the signed state says,
/// or none. The error is the detail for an integrity error (exit 6).
pub(crate) fn check_integrity(conn: &Connection) -> Result<(), String> {
    let first: String = conn
        .query_row("PRAGMA main.integrity_check(1)", [], |r| r.get(0))
        .map_err(|e| format!("its structure cannot be checked ({e})"))?;
    if first == "ok" {
        Ok(())
    } else {
        Err(format!(
            "its indexes or pages do not agree with its rows ({}): edited after it was signed",
            crate::text::escape(&first.chars().take(200).collect::<String>())
        ))
    }
}

/// Index expressions and partial indexes' conditions run on every insert and in the
/// whole-image check, and a column's default on every insert that leaves it out: an
/// image holds only keyward's own partial indexes, as written, and defaults that are
/// numbers or strings. Checked where a file is verified, before its whole-image check
/// and before any write to it: a file read again as it was verified here (sealed) is
/// not asked again, which kept these two queries (~80 µs) off every `get`.
pub(crate) fn refuse_expressions(conn: &Connection, what: &str) -> Result<(), String> {
    let cannot = |e: rusqlite::Error| format!("cannot read the schema ({e})");
    let own: Vec<String> = crate::vault::schema::INDEX_REMOVALS
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .map(tokens)
        .collect();
    let mut stmt = conn
        .prepare(
            "SELECT s.name, s.sql FROM main.sqlite_schema s, pragma_index_list(s.tbl_name) l
             WHERE s.type = 'index' AND l.name = s.name
               AND (l.partial OR EXISTS (
                 SELECT 1 FROM pragma_index_xinfo(s.name) x WHERE x.cid = -2))",
        )
        .map_err(cannot)?;
    let indexes = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })
        .map_err(cannot)?;
    for i in indexes {
        let (name, sql) = i.map_err(cannot)?;
        if !sql.as_deref().is_some_and(|sql| own.contains(&tokens(sql))) {
            return Err(format!(
                "{what} holds index `{}` on an expression or a condition keyward never writes",
                crate::text::escape(&name)
            ));
        }
    }
    let mut stmt = conn
        .prepare(
            "SELECT s.name, x.name, x.dflt_value
             FROM main.sqlite_schema s, pragma_table_xinfo(s.name) x
             WHERE s.type = 'table' AND x.dflt_value IS NOT NULL",
        )
        .map_err(cannot)?;
    let defaults = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(cannot)?;
    let literal = |d: &str| {
        let number = !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        let string = d.len() >= 2
            && d.starts_with('\'')
            && d.ends_with('\'')
            && !d[1..d.len() - 1].contains('\'');
        number || string
    };
    for d in defaults {
        let (table, column, default) = d.map_err(cannot)?;
        if !literal(&default) {
            return Err(format!(
                "{what} gives `{}.{}` a default keyward never writes",
                crate::text::escape(&table),
                crate::text::escape(&column)
            ));
        }
    }
    Ok(())
}

/// A statement as its tokens: runs of whitespace are one space, and none is kept next
/// to punctuation, so a statement laid out otherwise compares equal while words run
/// together (`INTEGERPRIMARY KEY`, a type SQLite would take as written) do not.
/// `IF NOT EXISTS` and a final `;` are what SQLite leaves out of the stored text.
fn tokens(sql: &str) -> String {
    let mut spaced = String::with_capacity(sql.len());
    for c in sql.chars() {
        if matches!(c, '(' | ')' | ',' | ';') {
            spaced.push(' ');
            spaced.push(c);
            spaced.push(' ');
        } else {
            spaced.push(c);
        }
    }
    let words: Vec<&str> = spaced.split_whitespace().collect();
    words
        .join(" ")
        .replace(" IF NOT EXISTS ", " ")
        .trim_end_matches(" ;")
        .to_owned()
}
