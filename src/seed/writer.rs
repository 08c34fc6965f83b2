//! Batched, transactional inserts for the generator: multi-row statements sized to the bound
//! parameter limit, one open transaction at a time, committed every [`ROWS_PER_TRANSACTION`].

use std::time::Instant;

use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, Iterable,
};

/// Bound parameters one statement may carry (SQLite allows 32766, PostgreSQL 65535).
const MAX_PARAMETERS: usize = 30_000;
/// Rows written before the open transaction commits and the next one begins.
const ROWS_PER_TRANSACTION: u64 = 50_000;

/// Writes rows of any table through one transaction at a time and counts them per table.
pub(crate) struct Writer<'a> {
    db: &'a DatabaseConnection,
    txn: Option<DatabaseTransaction>,
    since_commit: u64,
    /// Rows written per table, in the order the tables were first written.
    counts: Vec<(&'static str, u64)>,
    /// What each table's count was when progress was last printed.
    printed: Vec<u64>,
    progress: bool,
    started: Instant,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(db: &'a DatabaseConnection, progress: bool) -> Self {
        Self {
            db,
            txn: None,
            since_commit: 0,
            counts: Vec::new(),
            printed: Vec::new(),
            progress,
            started: Instant::now(),
        }
    }

    /// Inserts `rows` into their table in statements of at most [`MAX_PARAMETERS`] values.
    pub(crate) async fn write<A>(&mut self, table: &'static str, rows: Vec<A>) -> Result<(), DbErr>
    where
        A: ActiveModelTrait + Send,
    {
        if rows.is_empty() {
            return Ok(());
        }
        let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter()
            .count()
            .max(1);
        let per_statement = (MAX_PARAMETERS / columns).max(1);
        let mut left = rows.len();
        let mut rows = rows.into_iter();
        while left > 0 {
            // Full statements, then the rest in powers of two: few distinct statements, so the
            // driver's prepared-statement cache stays small however the chunks fall.
            let size = if left >= per_statement {
                per_statement
            } else {
                1 << left.ilog2()
            };
            left -= size;
            let batch: Vec<A> = rows.by_ref().take(size).collect();
            let written = batch.len() as u64;
            if self.txn.is_none() {
                self.txn = Some(crate::db::begin_write(self.db).await?);
            }
            if let Some(txn) = &self.txn {
                <A::Entity as EntityTrait>::insert_many(batch)
                    .exec_without_returning(txn)
                    .await?;
            }
            self.add(table, written);
            self.since_commit += written;
            if self.since_commit >= ROWS_PER_TRANSACTION {
                self.commit().await?;
            }
        }
        Ok(())
    }

    fn add(&mut self, table: &'static str, rows: u64) {
        match self.counts.iter_mut().find(|(name, _)| *name == table) {
            Some((_, count)) => *count += rows,
            None => {
                self.counts.push((table, rows));
                self.printed.push(0);
            }
        }
    }

    /// Commits what is written so far and reports progress on standard error.
    pub(crate) async fn commit(&mut self) -> Result<(), DbErr> {
        if let Some(txn) = self.txn.take() {
            txn.commit().await?;
        }
        self.since_commit = 0;
        if self.progress {
            let elapsed = self.started.elapsed().as_secs_f64();
            for ((table, count), printed) in self.counts.iter().zip(self.printed.iter_mut()) {
                if *count != *printed {
                    eprintln!("seed-bench: {table:<18} {count:>9} rows  ({elapsed:>6.1} s)");
                    *printed = *count;
                }
            }
        }
        Ok(())
    }

    /// Rows written per table so far.
    pub(crate) fn counts(&self) -> Vec<(&'static str, u64)> {
        self.counts.clone()
    }
}
