//! The little SQL both databases speak, so the registry's work (staff,
//! sessions, audit, inbox, history, messages: `work.rs`) is written once:
//! statements use `$1`, `$2` … (SQLite reads them as `?1`, `?2` …), integers
//! are 64-bit, text is text, and a transaction is `BEGIN` … `COMMIT`.
//!
//! A leaf: each store implements [`Conn`]; `work.rs` uses only this.

use super::record::StoreError;

/// A value bound to, or read from, a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V {
    I(i64),
    T(String),
    /// NULL in an integer column.
    NullI,
    /// NULL in a text column.
    NullT,
}

impl V {
    pub fn int(&self) -> Option<i64> {
        match self {
            V::I(i) => Some(*i),
            _ => None,
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            V::T(s) => Some(s),
            _ => None,
        }
    }
    pub fn string(&self) -> String {
        match self {
            V::T(s) => s.clone(),
            V::I(i) => i.to_string(),
            _ => String::new(),
        }
    }
    pub fn opt_text(s: Option<&str>) -> V {
        s.map_or(V::NullT, |s| V::T(s.to_owned()))
    }
}

impl From<&str> for V {
    fn from(s: &str) -> V {
        V::T(s.to_owned())
    }
}
impl From<String> for V {
    fn from(s: String) -> V {
        V::T(s)
    }
}
impl From<&String> for V {
    fn from(s: &String) -> V {
        V::T(s.clone())
    }
}
impl From<i64> for V {
    fn from(i: i64) -> V {
        V::I(i)
    }
}

/// One connection to the store's database, used synchronously (the server
/// calls it on a blocking thread).
pub trait Conn {
    /// Runs a statement; the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[V]) -> Result<u64, StoreError>;
    /// Runs a query; its rows.
    fn rows(&mut self, sql: &str, params: &[V]) -> Result<Vec<Vec<V>>, StoreError>;
    /// Statements without parameters, in order (`BEGIN`, `COMMIT` …).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
}

/// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
pub fn transaction<T>(
    c: &mut dyn Conn,
    f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    c.batch("BEGIN")?;
    match f(c) {
        Ok(t) => {
            c.batch("COMMIT")?;
            Ok(t)
        }
        Err(e) => {
            let _ = c.batch("ROLLBACK");
            Err(e)
        }
    }
}
