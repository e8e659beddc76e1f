//! What a scan found, and how it is shown: one line per finding for people, the array
//! of findings with `--json`. A finding holds a masked value, never the key.

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub env: String,
    /// The key's name, or `null` for a token the vault does not hold.
    pub name: Option<String>,
    pub version: Option<u32>,
    pub status: String,
    pub masked: String,
    /// `utf-16` when the key was found as UTF-16 text; absent for bytes as they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
}

impl Finding {
    /// A finding whose line and column are filled in once all hits of a file are known.
    pub fn new(
        path: &str,
        env: &str,
        key: Option<(String, u32)>,
        status: &str,
        masked: String,
    ) -> Self {
        let (name, version) = key.unzip();
        Finding {
            path: path.to_owned(),
            line: 0,
            column: 0,
            env: env.to_owned(),
            name,
            version,
            status: status.to_owned(),
            masked,
            encoding: None,
        }
    }
}

/// Every finding of one scan, sorted and without duplicates. With `--json` it is the
/// bare array of findings (the shape scripts rely on).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ScanReport {
    pub(crate) findings: Vec<Finding>,
}

impl ScanReport {
    pub fn new(mut findings: Vec<Finding>) -> Self {
        findings.sort();
        findings.dedup();
        ScanReport { findings }
    }

    /// The summary for stderr.
    pub fn summary(&self) -> String {
        match self.findings.len() {
            0 => "no keys found".into(),
            n => format!("{n} leaked key(s) found"),
        }
    }

    /// Exit 8 when anything was found.
    pub fn outcome(&self) -> Result<()> {
        match self.findings.len() {
            0 => Ok(()),
            n => Err(Error::Findings(format!("{n} finding(s)"))),
        }
    }
}
