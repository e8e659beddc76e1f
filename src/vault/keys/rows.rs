//! Rows read back into keys and versions, every column validated: a value keyward would never have written is an integrity error (exit 6), never a panic or a wrapped-around number.

#[allow(unused_imports)]
use super::*;

/// A value read from a database that keyward would never have written: the row came
/// from a hostile or damaged image. Surfaces as an integrity error (exit 6), never as a
/// panic or a wrapped-around number.
pub(in crate::vault) fn bad(col: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Integer, what.into())
}

/// A stored instant: between 1970 and the end of year 9999 (DESIGN: dates beyond that
/// are refused on input, so none can be in a genuine image).
pub(super) fn time_at(r: &Row<'_>, col: usize, what: &str) -> rusqlite::Result<i64> {
    let t: i64 = r.get(col)?;
    if (0..=MAX_TIME_MS).contains(&t) {
        Ok(t)
    } else {
        Err(bad(col, format!("{what} is out of range ({t})")))
    }
}

/// A text column, borrowed from the row (no copy until the caller keeps it): NULL is
/// `None`, anything but text an integrity error.
pub(in crate::vault) fn text_at<'r>(
    r: &'r Row<'_>,
    col: usize,
) -> rusqlite::Result<Option<&'r str>> {
    r.get_ref(col)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, e.into())
    })
}

pub(super) fn opt_time_at(r: &Row<'_>, col: usize, what: &str) -> rusqlite::Result<Option<i64>> {
    match r.get_ref(col)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => time_at(r, col, what).map(Some),
    }
}

/// A stored value: what `set` accepts (1 byte to 64 KiB, no NUL), or the image is
/// hostile. The bytes go straight into a zeroizing `Secret`.
pub(super) fn value_at(r: &Row<'_>, col: usize) -> rusqlite::Result<Secret> {
    let v = Secret::new(r.get(col)?);
    if v.is_empty() || v.len() > 64 * 1024 || v.expose().contains(&0) {
        return Err(bad(
            col,
            "a stored value is empty, too long or holds a NUL byte".into(),
        ));
    }
    Ok(v)
}

pub(super) fn key_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<KeyMeta> {
    // Borrowed, validated, then copied once (a list reads 100,000 of them).
    let name: KeyName = text_at(r, at + 1)?
        .ok_or_else(|| bad(at + 1, "a key has no name".into()))?
        .parse()
        .map_err(|_| bad(at + 1, "a key name is not a valid name".into()))?;
    let kind = match r.get::<_, i64>(at + 2)? {
        KIND_GENERATED => Kind::Generated,
        KIND_IMPORTED => Kind::Imported,
        k => {
            return Err(bad(
                at + 2,
                format!("key `{name}` has an unknown kind ({k})"),
            ));
        }
    };
    let format: Option<i64> = r.get(at + 3)?;
    let bytes: Option<i64> = r.get(at + 4)?;
    let prefix: Option<&str> = text_at(r, at + 5)?;
    let scopes: Option<&str> = text_at(r, at + 6)?;
    let spec = match (kind, format) {
        (Kind::Imported, _) => None,
        (Kind::Generated, None) => {
            return Err(bad(at + 3, format!("generated key `{name}` has no format")));
        }
        (Kind::Generated, Some(code)) => {
            let format = Format::from_code(code).ok_or_else(|| {
                bad(
                    at + 3,
                    format!("key `{name}` has an unknown format ({code})"),
                )
            })?;
            let bytes = match bytes {
                None => crate::token::DEFAULT_BYTES,
                Some(b) => usize::try_from(b)
                    .ok()
                    .filter(|b| (crate::token::MIN_BYTES..=crate::token::MAX_BYTES).contains(b))
                    .ok_or_else(|| {
                        bad(
                            at + 4,
                            format!("key `{name}` has an out-of-range size ({b})"),
                        )
                    })?,
            };
            let prefix = match prefix {
                None => crate::token::DEFAULT_PREFIX.to_owned(),
                Some(p) => p
                    .parse::<crate::names::Prefix>()
                    .map_err(|_| bad(at + 5, format!("key `{name}` has an invalid prefix")))?
                    .into_string(),
            };
            Some(GenSpec {
                format,
                bytes,
                prefix,
            })
        }
    };
    let rotate_every: Option<i64> = r.get(at + 9)?;
    if let Some(every) = rotate_every
        && !(1..=MAX_TIME_MS / 1000).contains(&every)
    {
        return Err(bad(
            at + 9,
            format!("key `{name}` has an out-of-range rotation period ({every})"),
        ));
    }
    Ok(KeyMeta {
        id: r.get(at)?,
        kind,
        spec,
        scopes: scopes
            .filter(|s| !s.is_empty())
            .map(|s| s.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        note: r.get(at + 7)?,
        created: time_at(r, at + 8, "a key's creation time")?,
        rotate_every,
        name,
    })
}

pub(super) fn version_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<VersionInfo> {
    let version: u32 = r.get(at)?;
    if version == 0 {
        return Err(bad(at, "a version number is 0".into()));
    }
    let raw_status: i64 = r.get(at + 3)?;
    if !(ST_ACTIVE..=ST_REVOKED).contains(&raw_status) {
        return Err(bad(
            at + 3,
            format!("a version has an unknown status ({raw_status})"),
        ));
    }
    Ok(VersionInfo {
        version,
        created: time_at(r, at + 1, "a version's creation time")?,
        expires: opt_time_at(r, at + 2, "a version's expiry")?,
        raw_status,
        retire_at: opt_time_at(r, at + 4, "a version's end of grace")?,
        revoked_at: opt_time_at(r, at + 5, "a version's revocation time")?,
        revoked_by: r.get(at + 6)?,
        revoke_reason: r.get(at + 7)?,
    })
}
