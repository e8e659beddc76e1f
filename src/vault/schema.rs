//! The SQL schema of an environment database and its stored codes.
//!
//! Typed columns and integer timestamps keep the image compact (DESIGN §7: at most
//! 200 bytes per key beyond the value). Actors are stored once and referenced by id.

/// The format this build writes and reads; a newer one is refused with a clear error.
/// Format 2 adds `recipients.label` and `events.subject`; a format-1 image is read
/// as it is (those columns read as NULL) and migrated on its next write (`MIGRATE_2`).
/// Format 3 adds `events.parents` (a lifecycle chain joined by a merge is a DAG,
/// DESIGN §9), the `hooks` table (rotation hooks, DESIGN §11) and the `verifier_key`
/// table (DESIGN §13); a format-2 image reads as it is (a linear chain, no hooks, no
/// verifier key) and migrates on its next write.
/// Format 4 (DESIGN §15) adds members' roles and signing keys (`recipients.role`,
/// `recipients.signing_key`) and the `signatures` table; a format-3 image reads as it
/// is (unsigned history, everyone `write`) and its next write signs a checkpoint.
/// Format 5 (DESIGN §16) adds `former_labels`: the labels of removed members, kept in
/// the signed state so `audit --actor Bob` still finds Bob's events after he left; a
/// format-4 image reads as it is (no former labels). An unsigned one migrates on its
/// next write; a signed one on its first removal of a member (`EnvDb::migrate`,
/// `EnvDb::keep_former_labels`).
/// Format 6 (DESIGN §13) changes no table: it marks an image whose history holds a
/// `trust` event carrying a verifier serial floor, which releases before it do not
/// count; they would export sets below one services already hold, so they must refuse
/// the image (upgrade) instead. An image takes it only with such an event
/// (`Tx::record_trust`), or from a merge side that has it; others stay at 5.
use crate::codes::Status;

pub const FORMAT_VERSION: i64 = 6;

/// The format a new image, and a write without a serial floor, takes: the highest
/// that releases before format 6 read.
pub const BASE_FORMAT: i64 = 5;

/// Format 6's only format: the serial floor (see above).
pub const FLOOR_FORMAT: i64 = 6;

/// Format 1 → 2, run inside the writer's transaction before its first change.
pub const MIGRATE_2: &str = "
ALTER TABLE recipients ADD COLUMN label TEXT;
ALTER TABLE events ADD COLUMN subject TEXT;
UPDATE meta SET v = 2 WHERE k = 'format_version';
";

/// Format 2 → 3, run inside the writer's transaction before its first change.
pub const MIGRATE_3: &str = "
ALTER TABLE events ADD COLUMN parents BLOB;
CREATE TABLE hooks(
  key_id INTEGER PRIMARY KEY REFERENCES keys(id),
  command TEXT NOT NULL,
  timeout INTEGER,
  set_at INTEGER NOT NULL
) STRICT;
CREATE TABLE verifier_key(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seed BLOB NOT NULL,
  created INTEGER NOT NULL
) STRICT;
UPDATE meta SET v = 3 WHERE k = 'format_version';
";
/// Format 3 → 4, run inside the writer's transaction before its first change. Every
/// existing recipient could write before, so each starts as `write`; the write that
/// follows signs a checkpoint and makes its writer the first admin.
pub const MIGRATE_4: &str = "
ALTER TABLE recipients ADD COLUMN role INTEGER NOT NULL DEFAULT 1;
ALTER TABLE recipients ADD COLUMN signing_key BLOB;
ALTER TABLE recipients ADD COLUMN key_proof BLOB;
CREATE TABLE signatures(
  head BLOB PRIMARY KEY,
  prev BLOB NOT NULL,
  state BLOB NOT NULL,
  members BLOB NOT NULL,
  signer TEXT NOT NULL,
  key BLOB NOT NULL,
  proof BLOB,
  sig BLOB NOT NULL,
  settings BLOB NOT NULL
) STRICT, WITHOUT ROWID;
UPDATE meta SET v = 4 WHERE k = 'format_version';
";
/// Format 4 → 5, run inside the writer's transaction before its first change (a signed
/// image's: before its first removal of a member, `EnvDb::keep_former_labels`).
pub const MIGRATE_5: &str = "
CREATE TABLE former_labels(
  recipient TEXT PRIMARY KEY,
  label TEXT NOT NULL
) STRICT, WITHOUT ROWID;
UPDATE meta SET v = 5 WHERE k = 'format_version';
";
/// Format 5 → 6: a mark, no table (see [`FORMAT_VERSION`]).
pub const MIGRATE_6: &str = "UPDATE meta SET v = 6 WHERE k = 'format_version';";

/// Every migration, by the format it brings an image to, oldest first.
pub const MIGRATIONS: [(i64, &str); 5] = [
    (2, MIGRATE_2),
    (3, MIGRATE_3),
    (4, MIGRATE_4),
    (5, MIGRATE_5),
    (6, MIGRATE_6),
];
/// Access removals (`access-revoke` = 9, `offboard` = 10), which `show` and `check`
/// read to find exposed versions: a partial index of only those rows, so a read that
/// decrypts only the pages it visits (DESIGN §7 round 2) does not scan every event.
/// Not a format change (an older build reads and writes an image with it as it is):
/// `create` makes it, and every write adds it where it is missing.
/// The same for the marks a merge leaves (`merge-conflict` = 19, `exposed` = 20,
/// DESIGN §9), which `check` and `show` read too, and for the touch policy (`touch` =
/// 28, DESIGN §18), read after a hardware key opened the file.
pub const INDEX_REMOVALS: &str =
    "CREATE INDEX IF NOT EXISTS events_removals ON events(seq) WHERE action IN (9, 10);
CREATE INDEX IF NOT EXISTS events_merge_marks ON events(seq) WHERE action IN (19, 20);
CREATE INDEX IF NOT EXISTS events_touch ON events(time, hash) WHERE action = 28;";

/// Version status as stored. `expired` is derived from the clock, and `retiring`
/// becomes `retired` once its `retire_at` has passed, without a write.
pub const ST_ACTIVE: i64 = Status::Active.code();
pub const ST_RETIRING: i64 = Status::Retiring.code();
pub const ST_RETIRED: i64 = Status::Retired.code();
pub const ST_REVOKED: i64 = Status::Revoked.code();

/// The latest instant a stored time may hold: the end of year 9999, in unix ms. Input
/// beyond it is refused, so a later (or negative) time marks a hostile image.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// Bytes of SHA-256 kept in the fingerprint index: enough to find the candidates (the
/// value itself is then compared in constant time), half the index of a full hash.
pub const FP_LEN: usize = 16;

pub const KIND_GENERATED: i64 = 0;
pub const KIND_IMPORTED: i64 = 1;

pub const SCHEMA: &str = "
CREATE TABLE meta(
  k TEXT PRIMARY KEY,
  v ANY
) STRICT, WITHOUT ROWID;

CREATE TABLE keys(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind INTEGER NOT NULL,          -- 0 generated, 1 imported
  format INTEGER,                 -- generated: 0 token, 1 hex, 2 base64url, 3 alnum
  bytes INTEGER,                  -- NULL: 32
  prefix TEXT,                    -- NULL: kw
  scopes TEXT,                    -- comma-separated
  note TEXT,
  created INTEGER NOT NULL,       -- unix ms, UTC
  rotate_every INTEGER            -- seconds
) STRICT;

CREATE TABLE versions(
  key_id INTEGER NOT NULL REFERENCES keys(id),
  version INTEGER NOT NULL,
  value BLOB NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER,
  status INTEGER NOT NULL,        -- 0 active, 1 retiring, 2 retired, 3 revoked
  retire_at INTEGER,              -- retiring: when the grace period ends
  revoked_at INTEGER,
  revoked_by INTEGER REFERENCES actors(id),
  revoke_reason TEXT,
  PRIMARY KEY(key_id, version)
) STRICT, WITHOUT ROWID;

-- First 16 bytes of the SHA-256 of every version's value: verify looks values up here.
CREATE TABLE fingerprints(
  fp BLOB NOT NULL,
  key_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY(fp, key_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE recipients(
  recipient TEXT PRIMARY KEY,
  added_at INTEGER NOT NULL,
  added_by INTEGER REFERENCES actors(id),
  label TEXT,                     -- format 2: `access grant --name`
  role INTEGER NOT NULL DEFAULT 1, -- format 4: 0 read, 1 write, 2 admin
  signing_key BLOB,               -- format 4: Ed25519 key; NULL until bound
  key_proof BLOB                  -- format 4: the XEdDSA proof binding it (X25519 recipients)
) STRICT;

CREATE TABLE actors(
  id INTEGER PRIMARY KEY,
  recipient TEXT NOT NULL,
  os_user TEXT NOT NULL,
  host TEXT NOT NULL,
  via TEXT NOT NULL,
  UNIQUE(recipient, os_user, host, via)
) STRICT;

-- Lifecycle events, hash-chained: hash = SHA-256(previous hash || canonical event).
CREATE TABLE events(
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  action INTEGER NOT NULL,        -- index into audit::ACTIONS
  key TEXT,
  version INTEGER,
  actor INTEGER NOT NULL REFERENCES actors(id),
  reason TEXT,
  hash BLOB NOT NULL,
  subject TEXT,                   -- format 2: the recipient an access change is about
  parents BLOB                    -- format 3: NULL, the previous event; else the
                                  -- 32-byte hashes of its parents (a merged chain)
) STRICT;

-- Format 3: a command that rolls an imported key at its provider (`--rotate-with`).
-- Run only on machines where a person approved its exact text (approvals are local).
CREATE TABLE hooks(
  key_id INTEGER PRIMARY KEY REFERENCES keys(id),
  command TEXT NOT NULL,          -- run by /bin/sh -c
  timeout INTEGER,                -- seconds; NULL: the default (60 s)
  set_at INTEGER NOT NULL         -- unix ms, UTC
) STRICT;

-- Format 3: the Ed25519 key that signs verifier sets (DESIGN §13); one row at most,
-- created by the first `verifier export`. `seed` is the 32-byte secret key.
CREATE TABLE verifier_key(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seed BLOB NOT NULL,
  created INTEGER NOT NULL
) STRICT;

-- Format 4: every write ends with its new head signed by its writer (DESIGN §15).
-- `prev`: the signed heads it builds on (32 bytes each: none for the first, two for a
-- merge); `state`: the digest of the logical state at `head`; `members`: who could
-- decrypt and write, with roles and keys, at `head`; `proof`: the XEdDSA proof binding
-- `key` to `signer` when nothing before did; `settings`: the digest of the tables only
-- an admin changes (meta, hooks, verifier_key) at `head`.
CREATE TABLE signatures(
  head BLOB PRIMARY KEY,
  prev BLOB NOT NULL,
  state BLOB NOT NULL,
  members BLOB NOT NULL,
  signer TEXT NOT NULL,
  key BLOB NOT NULL,
  proof BLOB,
  sig BLOB NOT NULL,
  settings BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- Format 5: the label a member had when they were removed (DESIGN §16), so the audit
-- trail still names them; covered by the signed state like every other table.
CREATE TABLE former_labels(
  recipient TEXT PRIMARY KEY,
  label TEXT NOT NULL
) STRICT, WITHOUT ROWID;
";
