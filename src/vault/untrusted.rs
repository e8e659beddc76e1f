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
    if let Some(tables) = only {
        let bare = |sql: &str| -> String {
            sql.chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect::<String>()
                .replace("IFNOTEXISTS", "")
                .trim_end_matches(';')
                .to_owned()
        };
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
            if sql.as_deref().map(bare) != Some(bare(expected)) {
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
