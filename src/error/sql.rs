//! SQL errors as keyward's: on a database that decrypted fine, they mean a damaged or
//! hostile image (exit 6), but for resource errors.

use super::Error;

impl From<rusqlite::Error> for Error {
    /// SQL errors on a database that decrypted fine mean a damaged or hostile image: the
    /// database is in memory and every statement is keyward's own, so a missing table,
    /// a violated constraint or a value of the wrong type or range can only come from
    /// the file. Only resource errors are not integrity errors.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::Error as E;
        use rusqlite::ErrorCode::*;
        let detail = match &e {
            E::FromSqlConversionFailure(_, _, inner) => inner.to_string(),
            E::InvalidColumnType(_, name, ty) => format!("column `{name}` holds {ty}"),
            E::IntegralValueOutOfRange(_, v) => format!("a stored number is out of range ({v})"),
            _ => match e.sqlite_error_code() {
                Some(DatabaseBusy | DatabaseLocked) => {
                    return Error::Failed {
                        what: "use the database (busy)",
                        detail: e.to_string(),
                    };
                }
                Some(OutOfMemory | DiskFull | ReadOnly | ApiMisuse) => {
                    return Error::Failed {
                        what: "use the database",
                        detail: e.to_string(),
                    };
                }
                _ => e.to_string(),
            },
        };
        Error::CorruptDb { detail }
    }
}
