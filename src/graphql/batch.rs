//! What every batch loader does with the rows of its one query: key them by id, or group them
//! under the parent each belongs to, keeping the order the query gave.

use std::collections::HashMap;

use uuid::Uuid;

/// Rows keyed by the id each names; a row naming none is left out.
pub fn keyed<T, K: Into<Option<Uuid>>>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<Uuid, T> {
    rows.into_iter()
        .filter_map(|row| key(&row).into().map(|id| (id, row)))
        .collect()
}

/// Rows grouped under the parent each names, in the order read; a row naming no parent is
/// left out.
pub fn grouped<T, K: Into<Option<Uuid>>>(
    rows: Vec<T>,
    parent: impl Fn(&T) -> K,
) -> HashMap<Uuid, Vec<T>> {
    let mut groups: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        if let Some(id) = parent(&row).into() {
            groups.entry(id).or_default().push(row);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_the_query_order_and_leave_orphans_out() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let rows = vec![(Some(a), 1), (Some(b), 2), (None, 3), (Some(a), 4)];
        let groups = grouped(rows, |row| row.0);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[&a], vec![(Some(a), 1), (Some(a), 4)]);
        assert_eq!(groups[&b], vec![(Some(b), 2)]);
    }

    #[test]
    fn keyed_rows_leave_out_those_without_a_key() {
        let a = Uuid::now_v7();
        let rows = vec![(Some(a), 1), (None, 2)];
        let keys = keyed(rows, |row| row.0);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[&a], (Some(a), 1));
    }
}
